// Azure infrastructure for the labeling backend, deployed with `azd provision`.
// Subscription scope so one deployment creates the resource group too (the azd convention in
// Azure-Samples/functions-quickstart-dotnet-azd). Everything else lives in infra/app/*.bicep.
targetScope = 'subscription'

@description('azd environment name; seeds resource names and the azd-env-name tag.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Primary region for all resources. Must offer the Flex Consumption plan.')
@minLength(1)
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or service principal; when set it receives the same data roles as the app (plus Service Bus receive) so the app can run locally against these resources. With privateNetworking the roles are still granted, but the data planes answer only inside the virtual network, so a local run against them no longer works from outside it.')
param principalId string = ''

@description('Grant principalId the developer data roles. CI sets this to false: the pipeline identity deploys but never reads data.')
param assignDeveloperRoles bool = true

@description('Kind of principal behind principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// Required: with an empty client id the app deploys but rejects every API call (IDW10106).
@description('Application (client) id, a GUID, of the Entra app registration that protects the HTTP API (app roles Labeler, Reviewer, Admin). Set AZURE_API_CLIENT_ID before `azd provision`; Bicep cannot create app registrations, see infra/README.md.')
@minLength(36)
@maxLength(36)
param apiClientId string

@description('Deploy Azure OpenAI and a model deployment for the LLM labelers (DEPLOY_OPENAI). Off by default: no labeler calls a model yet (the chat-model port is there, the LLM labelers are a later step), so a default deployment neither pays for an unused account nor fails on a model version Azure no longer offers. When true, set openAiModelName and openAiModelVersion to a model the region offers now.')
param deployOpenAi bool = false

@description('Region for Azure OpenAI; defaults to location. Model availability and quota differ by region.')
param openAiLocation string = ''

@description('Name of the chat model to deploy (AZURE_OPENAI_MODEL). Models are deprecated for new deployments on a schedule: check `az cognitiveservices model list -l <region>` and pick a current one.')
param openAiModelName string = 'gpt-4o-mini'

@description('Version of the chat model to deploy (AZURE_OPENAI_MODEL_VERSION).')
param openAiModelVersion string = '2024-07-18'

@description('SKU of the model deployment.')
param openAiDeploymentSkuName string = 'GlobalStandard'

@description('Capacity of the model deployment in thousands of tokens per minute.')
@minValue(1)
param openAiCapacity int = 30

@description('Create the example Service Bus subscriptions `all-labels` and `spam-only` on the label-events topic. Nothing reads them; they expire messages without dead-lettering and delete themselves after 7 idle days.')
param deployExampleSubscriptions bool = false

@description('Send storage read operations (StorageRead) to Log Analytics along with writes and deletes. Reads are the largest storage category: the Functions host polls its queues and renews blob leases all the time.')
param logStorageReads bool = true

@description('Create the Azure Monitor alerts of app/alerts.bicep (metric and log search rules, see infra/README.md, Alerts). Turn off only for a throwaway environment nobody watches.')
param deployAlerts bool = true

// A comma-separated string, not an array: azd passes an unset variable as '' and only recent
// releases parse JSON into array parameters; `azd env set ALERT_EMAILS "ops@contoso.com,oncall@contoso.com"`.
@description('Email addresses, comma-separated, notified when an alert fires or resolves (ALERT_EMAILS). Empty: no action group is created; the alerts still evaluate and show in Azure Monitor > Alerts, but nobody is notified.')
param alertEmails string = ''

@description('.NET version of the dotnet-isolated worker.')
param functionsRuntimeVersion string = '10.0'

@description('Memory per Flex Consumption instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on Flex Consumption scale-out instances. Flex Consumption accepts 40 to 1000 (learn.microsoft.com/azure/azure-functions/flex-consumption-plan#considerations: "The lowest maximum scale is currently 40"); a lower value would pass Bicep validation and fail only when the platform rejects the deployment.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

// Off by default: the default deployment is the public one described in infra/README.md, unchanged.
@description('Keep storage, Cosmos DB, Service Bus and Azure OpenAI off the internet (PRIVATE_NETWORKING): a virtual network, Flex Consumption virtual network integration, private endpoints and private DNS zones for blob, queue and table storage, Cosmos DB, Service Bus and Azure OpenAI (when deployed), public network access disabled on Cosmos DB, Service Bus and Azure OpenAI, and the storage firewall closed to all but trusted Azure services (Event Grid\'s dead letters). Cost: Service Bus moves from Standard to Premium, the only tier with private endpoints, one messaging unit billed by the hour (several hundred US dollars a month; see the Service Bus pricing page), plus private endpoints and private DNS zones by the hour and by the GB. The function app\'s inbound (the HTTP API, Event Grid\'s webhook) and Application Insights ingestion stay public. Choose it when an environment is created: a Service Bus namespace does not change tier in place. See infra/README.md, Private networking.')
param privateNetworking bool = false

@description('Address space of the virtual network (only with privateNetworking; VIRTUAL_NETWORK_ADDRESS_PREFIX): an IPv4 CIDR of /25 or larger, whose first /26 becomes the function app\'s integration subnet and second /26 the private endpoints\' subnet. Nothing is peered, so any private range works; pick one that does not overlap a network this one may later be peered or connected with.')
param virtualNetworkAddressPrefix string = '10.100.0.0/24'

@description('Always-ready instances of the Flex Consumption `durable` scale group (the CollectVotes orchestrator and its activities). Default 1, as the Durable Functions docs recommend on Flex Consumption (learn.microsoft.com/azure/azure-functions/durable/durable-functions-azure-storage-provider#flex-consumption-plan): a vote, an activity result or a workflow timer is picked up without waiting for a cold start. Cost: an always-ready instance is billed around the clock (the always-ready baseline rate for its memory while idle, the execution rate while busy) and counts against the regional Flex quota, whether or not anyone labels. 0 removes that charge; after an idle period the first crowd events then wait for an instance to start, on top of the task hub\'s queue polling interval (host.json maxQueuePollingInterval). At most 40, the lowest maximumInstanceCount Flex Consumption accepts.')
@minValue(0)
@maxValue(40)
param durableAlwaysReadyInstances int = 1

// Name overrides: leave empty to derive a name from the resource token.
param resourceGroupName string = ''
param identityName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param storageAccountName string = ''
param blobEventsTopicName string = ''
param cosmosAccountName string = ''
param serviceBusNamespaceName string = ''
param openAiAccountName string = ''
param appServicePlanName string = ''
param functionAppName string = ''
param actionGroupName string = ''
param virtualNetworkName string = ''
param networkSecurityGroupName string = ''

var alertEmailList = filter(map(split(alertEmails, ','), email => trim(email)), email => !empty(email))
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var cosmosDatabaseName = 'labeling'
var serviceBusTopicName = 'label-events'
var openAiDeploymentName = openAiModelName
var deploymentContainerName = 'deployments'
var blobEventsDeadLetterContainerName = 'eventgrid-deadletter'

var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  identity: !empty(identityName) ? identityName : 'id-func-${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : 'log-${resourceToken}'
  applicationInsights: !empty(applicationInsightsName) ? applicationInsightsName : 'appi-${resourceToken}'
  storage: !empty(storageAccountName) ? storageAccountName : 'st${resourceToken}'
  blobEventsTopic: !empty(blobEventsTopicName) ? blobEventsTopicName : 'evgt-${resourceToken}'
  cosmos: !empty(cosmosAccountName) ? cosmosAccountName : 'cosmos-${resourceToken}'
  serviceBus: !empty(serviceBusNamespaceName) ? serviceBusNamespaceName : 'sbns-${resourceToken}'
  openAi: !empty(openAiAccountName) ? openAiAccountName : 'oai-${resourceToken}'
  plan: !empty(appServicePlanName) ? appServicePlanName : 'plan-${resourceToken}'
  functionApp: !empty(functionAppName) ? functionAppName : 'func-${resourceToken}'
  diagnostics: 'diag-${resourceToken}'
  actionGroup: !empty(actionGroupName) ? actionGroupName : 'ag-${resourceToken}'
  virtualNetwork: !empty(virtualNetworkName) ? virtualNetworkName : 'vnet-${resourceToken}'
  networkSecurityGroup: !empty(networkSecurityGroupName) ? networkSecurityGroupName : 'nsg-${resourceToken}'
}

// The host name in an endpoint URL (https://<host>[:port]/...).
func hostOf(url string) string => split(split(url, '/')[2], ':')[0]

// The private DNS zone of a service's private endpoint: `privatelink.` before the service's domain, its host name
// without the account's own label (learn.microsoft.com/azure/private-link/private-endpoint-dns:
// privatelink.documents.azure.com, privatelink.servicebus.windows.net, privatelink.openai.azure.com). Taken from the
// host the account reports, so it is right in every Azure cloud: environment() has a storage suffix, but none for
// Cosmos DB, Service Bus or Azure OpenAI.
func privateLinkZoneOf(host string) string => 'privatelink.${join(skip(split(host, '.'), 1), '.')}'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

// The virtual network of a private deployment: the function app's integration subnet and the private endpoints' subnet.
module network 'app/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: rg
  params: {
    name: names.virtualNetwork
    networkSecurityGroupName: names.networkSecurityGroup
    location: location
    tags: tags
    addressPrefix: virtualNetworkAddressPrefix
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    blobEventsDeadLetterContainerName: blobEventsDeadLetterContainerName
    privateNetworking: privateNetworking
  }
}

module blobEvents 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: names.blobEventsTopic
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deadLetterContainerName: storage.outputs.blobEventsDeadLetterContainerName
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: names.cosmos
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    privateNetworking: privateNetworking
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    topicName: serviceBusTopicName
    deployExampleSubscriptions: deployExampleSubscriptions
    privateNetworking: privateNetworking
  }
}

module openAi 'app/openai.bicep' = if (deployOpenAi) {
  name: 'openai'
  scope: rg
  params: {
    name: names.openAi
    location: !empty(openAiLocation) ? openAiLocation : location
    tags: tags
    deploymentName: openAiDeploymentName
    modelName: openAiModelName
    modelVersion: openAiModelVersion
    deploymentSkuName: openAiDeploymentSkuName
    capacity: openAiCapacity
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
    diagnosticSettingName: names.diagnostics
    privateNetworking: privateNetworking
  }
}

var openAiEndpoint = openAi.?outputs.endpoint ?? ''

// Private endpoints, each with its private DNS zone linked to the virtual network. Storage needs three: the Functions
// host keeps blob-trigger receipts and leases in blobs and the Durable Functions task hub in queues and tables, and
// the app's own triggers and clients use blobs and queues
// (learn.microsoft.com/azure/azure-functions/configure-networking-how-to: "For Durable Functions, you must also make
// queue and table subresources accessible through private endpoints"; Flex Consumption has no file share). The blob
// endpoint also serves the deployment package (app/functions.bicep).
var storagePrivateEndpointServices = [
  'blob'
  'queue'
  'table'
]

// One at a time: private endpoints created on one storage account at once can fail with
// StorageAccountOperationInProgress (learn.microsoft.com/azure/azure-functions/functions-create-vnet notes it).
@batchSize(1)
module storagePrivateEndpoints 'app/private-endpoint.bicep' = [
  for service in storagePrivateEndpointServices: if (privateNetworking) {
    name: 'private-endpoint-${service}'
    scope: rg
    params: {
      name: 'pe-${service}-${resourceToken}'
      location: location
      tags: tags
      subnetId: network!.outputs.privateEndpointsSubnetId
      virtualNetworkId: network!.outputs.id
      targetResourceId: storage.outputs.id
      groupId: service
      privateDnsZoneName: 'privatelink.${service}.${environment().suffixes.storage}'
    }
  }
]

// After the SQL role assignments: approving the endpoint's connection is an operation on the account too, and Cosmos DB
// rejects operations that overlap one holding its account lock (see developerRoles).
module cosmosPrivateEndpoint 'app/private-endpoint.bicep' = if (privateNetworking) {
  name: 'private-endpoint-cosmos'
  scope: rg
  dependsOn: [
    appRoles
    developerRoles
  ]
  params: {
    name: 'pe-cosmos-${resourceToken}'
    location: location
    tags: tags
    subnetId: network!.outputs.privateEndpointsSubnetId
    virtualNetworkId: network!.outputs.id
    targetResourceId: cosmos.outputs.id
    groupId: 'Sql'
    privateDnsZoneName: privateLinkZoneOf(hostOf(cosmos.outputs.endpoint))
  }
}

module serviceBusPrivateEndpoint 'app/private-endpoint.bicep' = if (privateNetworking) {
  name: 'private-endpoint-servicebus'
  scope: rg
  params: {
    name: 'pe-sb-${resourceToken}'
    location: location
    tags: tags
    subnetId: network!.outputs.privateEndpointsSubnetId
    virtualNetworkId: network!.outputs.id
    targetResourceId: serviceBus.outputs.id
    groupId: 'namespace'
    privateDnsZoneName: privateLinkZoneOf(serviceBus.outputs.fullyQualifiedNamespace)
  }
}

module openAiPrivateEndpoint 'app/private-endpoint.bicep' = if (privateNetworking && deployOpenAi) {
  name: 'private-endpoint-openai'
  scope: rg
  params: {
    name: 'pe-oai-${resourceToken}'
    // The virtual network's region, even when the account is in openAiLocation.
    location: location
    tags: tags
    subnetId: network!.outputs.privateEndpointsSubnetId
    virtualNetworkId: network!.outputs.id
    targetResourceId: openAi!.outputs.id
    groupId: 'account'
    privateDnsZoneName: privateLinkZoneOf(hostOf(openAiEndpoint))
  }
}

// The app's roles are granted before the app exists: Flex Consumption pulls its package and
// the host opens AzureWebJobsStorage with the identity on first start.
module appRoles 'app/rbac.bicep' = {
  name: 'rbac-app'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusNamespaceName: serviceBus.outputs.name
    serviceBusTopicName: serviceBus.outputs.topicName
    grantServiceBusReceiver: false
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// After the app's roles, not beside them: Cosmos takes an exclusive account lock for each
// sqlRoleAssignments write and fails a concurrent one with 412 PreconditionFailed.
module developerRoles 'app/rbac.bicep' = if (assignDeveloperRoles && !empty(principalId)) {
  name: 'rbac-developer'
  scope: rg
  dependsOn: [
    appRoles
  ]
  params: {
    principalId: principalId
    principalType: principalType
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusNamespaceName: serviceBus.outputs.name
    serviceBusTopicName: serviceBus.outputs.topicName
    grantServiceBusReceiver: true
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// The OpenAI grants live in their own module, deployed only with OpenAI, so no role assignment
// is ever scoped to an account that does not exist.
module appOpenAiRole 'app/rbac-openai.bicep' = if (deployOpenAi) {
  name: 'rbac-openai-app'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    openAiAccountName: openAi!.outputs.name
  }
}

module developerOpenAiRole 'app/rbac-openai.bicep' = if (deployOpenAi && assignDeveloperRoles && !empty(principalId)) {
  name: 'rbac-openai-developer'
  scope: rg
  params: {
    principalId: principalId
    principalType: principalType
    openAiAccountName: openAi!.outputs.name
  }
}

// With privateNetworking the app is created only once every private endpoint and its DNS records exist: on its first
// start it reads its package and opens AzureWebJobsStorage, and with the public endpoints closed there is no other way.
module functions 'app/functions.bicep' = {
  name: 'functions'
  scope: rg
  dependsOn: [
    appRoles
    appOpenAiRole
    storagePrivateEndpoints
    cosmosPrivateEndpoint
    serviceBusPrivateEndpoint
    openAiPrivateEndpoint
  ]
  params: {
    planName: names.plan
    name: names.functionApp
    location: location
    tags: tags
    appTags: union(tags, {
      'azd-service-name': 'functions'
    })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    runtimeVersion: functionsRuntimeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.functionsSubnetId : ''
    appSettings: {
      Cosmos__Endpoint: cosmos.outputs.endpoint
      Cosmos__Database: cosmos.outputs.databaseName
      ServiceBus__FullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
      ServiceBus__Topic: serviceBus.outputs.topicName
      OpenAI__Endpoint: openAiEndpoint
      OpenAI__Deployment: deployOpenAi ? openAiDeploymentName : ''
      AzureAd__Instance: environment().authentication.loginEndpoint
      AzureAd__TenantId: tenant().tenantId
      AzureAd__ClientId: apiClientId
    }
  }
}

// Resource logs of every data-plane resource go to the workspace (tables in infra/README.md).
// Settings are scoped to existing resources; the outputs it takes make it run after each of them.
// (The app's own telemetry goes to Application Insights, so the function app is not among them.)
module diagnostics 'app/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  params: {
    name: names.diagnostics
    workspaceId: monitoring.outputs.logAnalyticsId
    storageAccountName: storage.outputs.name
    logStorageReads: logStorageReads
    blobEventsTopicName: blobEvents.outputs.name
    cosmosAccountName: cosmos.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
  }
}

// Alerts on the resources above and on the app's telemetry; what each means and what to do first
// is in infra/README.md (Alerts). Thresholds and windows are parameters of app/alerts.bicep.
module alerts 'app/alerts.bicep' = if (deployAlerts) {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    nameSuffix: resourceToken
    actionGroupName: names.actionGroup
    // Shown as the sender of notifications; the environment name tells environments apart.
    actionGroupShortName: take(environmentName, 12)
    alertEmails: alertEmailList
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    serviceBusNamespaceName: serviceBus.outputs.name
    serviceBusTopicName: serviceBus.outputs.topicName
    blobEventsTopicName: blobEvents.outputs.name
    cosmosAccountName: cosmos.outputs.name
    functionAppName: functions.outputs.name
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functions.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functions.outputs.defaultHostName}'
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_BLOB_EVENTS_TOPIC_NAME string = blobEvents.outputs.name
output AZURE_BLOB_EVENTS_DEADLETTER_CONTAINER string = blobEvents.outputs.deadLetterContainerName
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICEBUS_TOPIC string = serviceBus.outputs.topicName
output OPENAI_ENDPOINT string = openAiEndpoint
output OPENAI_DEPLOYMENT string = deployOpenAi ? openAiDeploymentName : ''
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_API_CLIENT_ID string = apiClientId
