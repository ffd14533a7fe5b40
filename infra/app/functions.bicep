// Flex Consumption plan and the function app, running as the user-assigned identity.
// Every connection is identity-based: there is no key or connection string with a secret in
// the app settings.
//
// With privateNetworking the app is integrated with a subnet of the virtual network (virtualNetworkSubnetId, the
// Flex Consumption way; Flex sends all outbound traffic through it, so there is no Route All setting, and it needs no
// content-share or other site setting: learn.microsoft.com/azure/azure-functions/functions-networking-options and
// configure-networking-how-to). Storage, Cosmos DB, Service Bus and Azure OpenAI then answer it on their private
// endpoints under the host names the settings below already use; nothing else changes here. Inbound stays public:
// the HTTP API serves crowd workers, and Event Grid delivers BlobCreated to the blobs webhook from outside any network.
//
// The deployment package stays in the `deployments` container of the (then firewalled) storage account. `azd deploy`
// never writes there itself: for Flex Consumption it POSTs the zip to the app's deployment endpoint,
// https://<app>.scm.azurewebsites.net/api/publish, with an Entra token (azd's FuncAppHostClient.Publish); the platform
// then writes the package to this container with the identity below, reaching storage through the app's virtual
// network integration, the way the app reads it back on every start. That is why Microsoft's azd Flex Consumption
// templates can close their storage account entirely (public access disabled, package container inside) and still be
// deployed from a developer's machine. The `deployments` container therefore needs no public path of its own
// (infra/README.md, Private networking, has what to check if a deploy is refused).

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the plan.')
param tags object

@description('Tags applied to the function app; must include azd-service-name.')
param appTags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Blob endpoint of the storage account, with trailing slash.')
param storageBlobEndpoint string

@description('Queue endpoint of the storage account, with trailing slash.')
param storageQueueEndpoint string

@description('Table endpoint of the storage account, with trailing slash (the Durable Functions task hub\'s history and instances).')
param storageTableEndpoint string

@description('Blob container that receives deployment packages.')
param deploymentContainerName string

@description('Application Insights connection string (not a secret: ingestion needs Entra ID).')
param applicationInsightsConnectionString string

@description('Extra application settings, merged over the defaults.')
param appSettings object

@description('Language runtime version for dotnet-isolated.')
param runtimeVersion string

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on Flex Consumption scale-out instances. Flex Consumption accepts 40 to 1000 (learn.microsoft.com/azure/azure-functions/flex-consumption-plan#considerations: "The lowest maximum scale is currently 40"); a lower value would pass Bicep validation and fail only when the platform rejects the deployment.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances of the `durable` scale group (orchestrator, activities); 0 for none. The cost trade-off is described on the parameter in main.bicep.')
@minValue(0)
@maxValue(40)
param durableAlwaysReadyInstances int

@description('Subnet (delegated to Microsoft.App/environments) the app is integrated with, so that its outbound traffic reaches the private endpoints; empty for no virtual network.')
param virtualNetworkSubnetId string = ''

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: appTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Only when there is a subnet: without one the site's body is what it was before private networking existed.
    ...(empty(virtualNetworkSubnetId) ? {} : { virtualNetworkSubnetId: virtualNetworkSubnetId })
    // No ftpsState: Flex Consumption has no FTP and rejects the property ("site configuration properties
    // (Site.SiteConfig.FtpsState, ...) for Flex Consumption sites is invalid"); basic-auth publishing is off below.
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Flex Consumption scales Durable triggers as one group, `durable`; keeping an instance of it ready spares the
        // crowd workflows a cold start after an idle period (see the parameter's description for the cost).
        alwaysReady: durableAlwaysReadyInstances > 0
          ? [
              {
                name: 'durable'
                instanceCount: durableAlwaysReadyInstances
              }
            ]
          : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: runtimeVersion
      }
    }
  }
}

// No basic-auth (user name and password) publishing to the SCM (Kudu) or FTP endpoints: azd
// deploys with Entra ID, and a publishing password would be a long-lived secret.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

// Flex Consumption sets FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION itself (from
// functionAppConfig) and rejects them as app settings, so they are absent here.
var baseAppSettings = {
  // Host storage (blob receipts, leases, Durable Functions task hub: blobs, queues and tables) via the identity.
  // The account's own endpoints rather than __accountName, from which the host would build *.core.windows.net
  // addresses: these are right in every Azure cloud.
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // The `LabelingStorage` connection: the blob and queue triggers' (Connection = StorageOptions.SectionName)
  // and the app's own Storage clients'. Not named `Storage`: the host reads a connection X as
  // AzureWebJobsX first, so `Storage` would be AzureWebJobsStorage and these settings unread by the
  // triggers. With only a user-assigned identity the host must be told which one to use, hence
  // credential and clientId.
  LabelingStorage__blobServiceUri: storageBlobEndpoint
  LabelingStorage__queueServiceUri: storageQueueEndpoint
  LabelingStorage__credential: 'managedidentity'
  LabelingStorage__clientId: identityClientId
  // The application's SDK clients (Cosmos, Service Bus, OpenAI, Storage) authenticate with a
  // ManagedIdentityCredential for this user-assigned identity (AzureCredentials.Create).
  AZURE_CLIENT_ID: identityClientId
  // NCRONTAB of the RefitReliabilities timer: the batch re-fit of labeler reliabilities and the
  // drift report, hourly. The function does not load without it.
  RefitReliabilitiesSchedule: '0 0 * * * *'
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
}

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: union(baseAppSettings, appSettings)
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
