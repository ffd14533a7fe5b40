// Diagnostic settings: every data-plane resource sends its resource logs to the Log Analytics
// workspace of app/monitoring.bicep, so failures can be queried without extra setup. The function
// app has none (Flex Consumption does not support them; see below).
//
// Categories are those listed for each resource type in the Azure Monitor reference
// (learn.microsoft.com/azure/azure-monitor/reference/supported-logs/<type>-logs). The category
// group `allLogs` is used where the type has one (built-in allLogs policies exist for Service Bus,
// Event Grid system topics and Cognitive Services); elsewhere the categories are named. Azure OpenAI's
// setting is in app/openai.bicep, so it exists exactly when the account does.
// Resource-specific tables (logAnalyticsDestinationType 'Dedicated') are chosen where the service
// offers both modes (Cosmos DB, Service Bus); Storage and Event Grid write only to their
// own tables, Azure OpenAI only to AzureDiagnostics. Table names are in infra/README.md.
//
// Platform metrics are exported (AllMetrics) for Service Bus, Event Grid and OpenAI (the function
// app's stay in Azure Monitor Metrics, where its alerts read them). Not for Cosmos DB (its docs: metric export as a category is not supported) nor Storage
// (its metric categories are Transaction/Capacity, not AllMetrics): both stay in Azure Monitor
// Metrics, where they are collected anyway at no cost.

@description('Name of the diagnostic setting created on each resource (a resource allows five).')
param name string

@description('Resource id of the Log Analytics workspace that receives the logs.')
param workspaceId string

@description('Storage account; settings go on its blob, queue and table services, which is where Storage emits its logs.')
param storageAccountName string

@description('Also log read operations (StorageRead) of the storage services. The Functions host polls its queues and renews blob leases continuously, so reads are the largest storage category.')
param logStorageReads bool = true

@description('Event Grid system topic of the storage account\'s blob events.')
param blobEventsTopicName string

@description('Cosmos DB account.')
param cosmosAccountName string

@description('Service Bus namespace.')
param serviceBusNamespaceName string

var allLogs = [
  {
    categoryGroup: 'allLogs'
    enabled: true
  }
]

var allMetrics = [
  {
    category: 'AllMetrics'
    enabled: true
  }
]

// StorageBlobLogs / StorageQueueLogs / StorageTableLogs, one row per request.
var storageLogs = [
  {
    category: 'StorageRead'
    enabled: logStorageReads
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }

  // Not declared in storage.bicep: the table service exists on every StorageV2 account and holds
  // the Durable Functions task hub.
  resource tableService 'tableServices' existing = {
    name: 'default'
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: name
  scope: storage::blobService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: name
  scope: storage::queueService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: name
  scope: storage::tableService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource blobEventsTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: blobEventsTopicName
}

// A system topic has one category, DeliveryFailures (AegDeliveryFailureLogs): events the ingest
// subscription could not deliver, including each retry's failure, before any dead-lettering.
resource blobEventsDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: name
  scope: blobEventsTopic
  properties: {
    workspaceId: workspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' existing = {
  name: cosmosAccountName
}

// The categories of the NoSQL API, named rather than allLogs: the group would add the 5- and
// 15-minute aggregates of DataPlaneRequests (the same requests again) and the other APIs' tables.
// QueryRuntimeStatistics carries the query text, obfuscated unless the account's full-text query
// feature is turned on (cosmos.bicep leaves it off).
resource cosmosDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: name
  scope: cosmos
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      for category in [
        'DataPlaneRequests'
        'QueryRuntimeStatistics'
        'PartitionKeyStatistics'
        'PartitionKeyRUConsumption'
        'ControlPlaneRequests'
      ]: {
        category: category
        enabled: true
      }
    ]
  }
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

// On Standard this yields OperationalLogs (management operations) and DiagnosticErrorLogs (client,
// throttling and quota errors); RuntimeAuditLogs and ApplicationMetricsLogs are Premium-only and
// stay empty. With privateNetworking the namespace is Premium and they fill too (AZMSRunTimeAuditLogs: the
// data-plane sends and receives, aggregated, with the network they came through; AZMSApplicationMetricLogs), which
// costs more ingestion. Private endpoints change nothing here: diagnostic settings are delivered by the platform, not
// through the resource's network.
resource serviceBusDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: name
  scope: serviceBus
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: allLogs
    metrics: allMetrics
  }
}

// No diagnostic setting on the function app: Flex Consumption does not support diagnostic settings
// (learn.microsoft.com/azure/azure-functions/flex-consumption-plan, Considerations). Its logs reach the
// workspace through Application Insights (AppTraces, AppExceptions, AppRequests), unsampled for traces,
// exceptions and requests (host.json).
