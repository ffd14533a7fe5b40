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

@description('Object id of the deploying user or service principal; when set it receives the same data roles as the app (plus Service Bus receive) so the app can run locally against these resources.')
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
}

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

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    blobEventsDeadLetterContainerName: blobEventsDeadLetterContainerName
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
  }
}

var openAiEndpoint = openAi.?outputs.endpoint ?? ''

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

module functions 'app/functions.bicep' = {
  name: 'functions'
  scope: rg
  dependsOn: [
    appRoles
    appOpenAiRole
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
