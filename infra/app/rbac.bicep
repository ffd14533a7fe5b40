// Data-plane roles for one principal: the function app's identity, or (optionally) the
// developer who runs `azd provision`, so the app can run locally against the same resources.
// Every grant is scoped to the one resource that needs it, never the resource group. The Azure
// OpenAI grant is in rbac-openai.bicep, deployed only when OpenAI is.

@description('Object id of the principal receiving the roles.')
param principalId string

@description('Kind of principal; ServicePrincipal for managed identities and CI, User for a developer.')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string

@description('Storage account holding host storage, documents and queues.')
param storageAccountName string

@description('Cosmos DB account.')
param cosmosAccountName string

@description('Cosmos DB database the grant is limited to.')
param cosmosDatabaseName string

@description('Service Bus namespace.')
param serviceBusNamespaceName string

@description('Topic the principal may send to.')
param serviceBusTopicName string

@description('Also grant Azure Service Bus Data Receiver on the topic (to read events while developing).')
param grantServiceBusReceiver bool

@description('Application Insights component the principal publishes telemetry to.')
param applicationInsightsName string

// Built-in role definition ids (stable across tenants).
var roles = {
  // Storage Blob Data Owner: the Functions host (AzureWebJobsStorage) manages blob-trigger
  // receipts and leases and needs Owner there; the app also reads `documents`, moves bad files
  // to `quarantine`; Flex Consumption reads the package from `deployments`.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Storage Queue Data Contributor: queue triggers read and delete messages and the host
  // creates/writes the poison queue; Durable Functions uses control and work-item queues.
  // It includes everything Storage Queue Data Message Processor
  // (8a0f0c08-91a1-4084-bc3d-661d67233fed) grants, so that narrower role is not assigned too.
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Storage Table Data Contributor: the Durable Functions task hub (Azure Storage provider)
  // keeps history and instance tables.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Azure Service Bus Data Sender: publish label.ready events.
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  // Azure Service Bus Data Receiver: read events from subscriptions (developer only).
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  // Monitoring Metrics Publisher: Entra-authenticated Application Insights ingestion.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Cosmos DB Built-in Data Contributor (00000000-0000-0000-0000-000000000002): read, write,
// query and change feed on items. Cosmos data access is a Cosmos SQL role assignment, not an
// ARM role; the ARM "DocumentDB Account Contributor" role would grant management, not data.
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'

var storageRoleIds = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoleIds: {
    name: guid(storage.id, principalId, roleId)
    scope: storage
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' existing = {
  name: cosmosAccountName

  resource dataContributor 'sqlRoleDefinitions' existing = {
    name: cosmosDataContributorRoleId
  }
}

// A data-plane scope is the account id or `<account id>/dbs/<database>`; the ARM id of the
// sqlDatabases resource is rejected ("Expected path segment [dbs]").
var cosmosDatabaseScope = '${cosmos.id}/dbs/${cosmosDatabaseName}'

// Cosmos locks the account for each sqlRoleAssignments write and fails a concurrent one with 412,
// so main.bicep deploys this module's instances one after the other.
resource cosmosRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = {
  parent: cosmos
  name: guid(cosmosDatabaseScope, principalId, cosmosDataContributorRoleId)
  properties: {
    principalId: principalId
    roleDefinitionId: cosmos::dataContributor.id
    // Limited to the labeling database rather than the whole account.
    scope: cosmosDatabaseScope
  }
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName

  resource topic 'topics' existing = {
    name: serviceBusTopicName
  }
}

resource serviceBusSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::topic.id, principalId, roles.serviceBusDataSender)
  scope: serviceBus::topic
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}

resource serviceBusReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantServiceBusReceiver) {
  name: guid(serviceBus::topic.id, principalId, roles.serviceBusDataReceiver)
  scope: serviceBus::topic
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}
