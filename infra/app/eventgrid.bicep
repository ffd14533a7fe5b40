// Event Grid system topic for the storage account's blob events.
//
// On Flex Consumption the blob trigger only supports the Event Grid source (the polling
// "LogsAndContainerScan" trigger does not run there), so Ingest's trigger must declare
// `Source = BlobTriggerSource.EventGrid` and receive BlobCreated events for `documents/`.
// The event subscription itself points at the host's blobs webhook, whose URL carries the
// `blobs_extension` system key; that key exists only after the code is deployed, so the
// subscription is created by the azd postdeploy hook (infra/scripts/subscribe-blob-events.sh),
// not here.

@description('Name of the system topic.')
param name string

@description('Azure region (the storage account\'s).')
param location string

@description('Tags applied to the topic.')
param tags object

@description('Storage account whose blob events the topic publishes.')
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
