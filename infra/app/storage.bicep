// One storage account serves four purposes:
//   * the Functions host (AzureWebJobsStorage): blob-trigger receipts, leases, and the Durable
//     Functions task hub (queues and tables);
//   * the application: `documents` is the drop zone Ingest watches, `quarantine` receives files
//     that fail to parse, `reports` holds the re-fit's drift reports, `label-requests` feeds
//     WeakLabel (its poison queue is created up front so the host never needs to; WeakLabel logs
//     each message it gives up on as an error, event 9202, before the host moves it there);
//     `webjobs-blobtrigger-poison` is where the Functions host names a blob Ingest failed on at every
//     attempt (Event Grid saw the webhook's 202, so nothing reaches `eventgrid-deadletter`); the
//     IngestPoisoned function reads it, logs event 9301 and quarantines the file. Its own poison queue
//     (`-poison` appended by the host) is created up front too;
//   * Flex Consumption deployment packages (`deployments`);
//   * Event Grid dead letters: BlobCreated events for `documents` that could not be delivered to
//     Ingest (`eventgrid-deadletter`).
// Every container is declared here, including those the code would create on first use.
// Shared keys are off: every caller authenticates with Entra ID.
//
// With privateNetworking the firewall denies the public endpoint to everyone but trusted Azure services, and the app
// reaches blob, queue and table storage through private endpoints (main.bicep). Public network access itself stays
// Enabled, on purpose: 'Disabled' closes the public endpoint to the trusted-service exception too
// (learn.microsoft.com/azure/storage/common/storage-network-security-overview, "Public endpoints"), and Event Grid,
// which cannot use a private endpoint, writes its dead letters to `eventgrid-deadletter` through that exception with
// the system topic's system-assigned identity, the only identity it honours behind a storage firewall
// (learn.microsoft.com/azure/event-grid/consume-private-endpoints, "Firewall and virtual network rules"). With no IP
// or virtual network rule, nothing else gets through: the account is private endpoints plus Event Grid.
// The Flex Consumption deployment package stays in `deployments`, behind the same firewall: see functions.bicep.

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Blob container that receives Flex Consumption deployment packages.')
param deploymentContainerName string

@description('Blob container where Event Grid dead-letters blob events it could not deliver.')
param blobEventsDeadLetterContainerName string

@description('Deny the public endpoint to all but trusted Azure services (the app then uses private endpoints, which main.bicep creates). False: any network may try, and only Entra ID decides.')
param privateNetworking bool = false

var containerNames = [
  'documents'
  'quarantine'
  'reports'
  deploymentContainerName
  blobEventsDeadLetterContainerName
]

var queueNames = [
  'label-requests'
  'label-requests-poison'
  'webjobs-blobtrigger-poison'
  'webjobs-blobtrigger-poison-poison'
]

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

// Soft delete for blobs and containers: documents, quarantined files and drift reports deleted by mistake (or by a
// script run against the wrong account) can be undeleted for a week. The Functions host's own blobs (receipts,
// leases, task-hub state) are small and short-lived, so the retention costs little.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainerName
output blobEventsDeadLetterContainerName string = blobEventsDeadLetterContainerName
