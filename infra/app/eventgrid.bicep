// Event Grid system topic for the storage account's blob events.
//
// On Flex Consumption the blob trigger only supports the Event Grid source (the polling
// "LogsAndContainerScan" trigger does not run there), so Ingest's trigger must declare
// `Source = BlobTriggerSource.EventGrid` and receive BlobCreated events for `documents/`.
// The event subscription itself points at the host's blobs webhook, whose URL carries the
// `blobs_extension` system key; that key exists only after the code is deployed, so the
// subscription is created by the azd postdeploy hook (infra/scripts/subscribe-blob-events.sh),
// not here.
//
// An event still undelivered when retries run out is dead-lettered to a blob container instead of
// being dropped. Shared keys are off on the account, so the topic writes there with its
// system-assigned identity, which this module grants Storage Blob Data Contributor on that
// container only.
//
// With privateNetworking the account's firewall denies its public endpoint, and Event Grid, which cannot use a
// private endpoint, gets through as a trusted service (storage.bicep keeps bypass AzureServices). Behind a storage
// firewall Event Grid uses only a system-assigned identity for that, never a user-assigned one
// (learn.microsoft.com/azure/event-grid/consume-private-endpoints, "Firewall and virtual network rules"), which is
// why the topic's identity is system-assigned and the subscription dead-letters with it
// (deadLetterWithResourceIdentity in infra/scripts/subscribe-blob-events.sh). The webhook delivery itself goes to the
// function app's public endpoint, which stays open.

@description('Name of the system topic.')
param name string

@description('Azure region (the storage account\'s).')
param location string

@description('Tags applied to the topic.')
param tags object

@description('Storage account whose blob events the topic publishes.')
param storageAccountName string

@description('Blob container in that account that receives dead-lettered events.')
param deadLetterContainerName string

// Storage Blob Data Contributor: write dead-lettered events as blobs.
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetterContainer 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetterContainer.id, topic.id, storageBlobDataContributorRoleId)
  scope: storage::blobService::deadLetterContainer
  properties: {
    principalId: topic.identity.principalId
    // Set explicitly: a freshly created identity may not have replicated yet.
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
  }
}

output name string = topic.name
output deadLetterContainerName string = storage::blobService::deadLetterContainer.name
