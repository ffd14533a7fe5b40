// Azure OpenAI account with one chat model deployment for the LLM labelers. Keys are disabled;
// the function app calls it with its managed identity (Cognitive Services OpenAI User).
// Entra ID authentication requires a custom subdomain, hence customSubDomainName.

@description('Name of the Azure OpenAI account; also its custom subdomain.')
@minLength(2)
@maxLength(64)
param name string

@description('Azure region. Pick one where the model and SKU below have quota.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Deployment name the application calls (OpenAI__Deployment).')
param deploymentName string

@description('Model name, for example gpt-4o-mini.')
param modelName string

@description('Model version, for example 2024-07-18.')
param modelVersion string

@description('Deployment SKU, for example GlobalStandard or Standard.')
param deploymentSkuName string

@description('Capacity in thousands of tokens per minute.')
@minValue(1)
param capacity int

@description('Log Analytics workspace that receives the account\'s logs and metrics.')
param logAnalyticsWorkspaceId string

@description('Name of the diagnostic setting.')
param diagnosticSettingName string

@description('Close the public endpoint: the account is then reached only through its private endpoint (main.bicep, privateNetworking).')
param privateNetworking bool = false

resource account 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    // With privateNetworking only the private endpoint (group account, zone privatelink.openai.azure.com) reaches
    // the account, which may sit in another region than the virtual network (openAiLocation): a private endpoint
    // connects across regions.
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: deploymentName
  sku: {
    name: deploymentSkuName
    capacity: capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: modelName
      version: modelVersion
    }
    // An LLM labeler's reliability is learned per model and prompt version; a silent model
    // upgrade would make that history describe a different labeler. Upgrade deliberately.
    versionUpgradeOption: 'NoAutoUpgrade'
  }
}

// Audit, RequestResponse, Trace and AzureOpenAIRequestUsage (and whatever the group gains later), all in
// AzureDiagnostics, the only table this service writes to. Here rather than in diagnostics.bicep so the
// setting exists exactly when the account does.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: diagnosticSettingName
  scope: account
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = account.name
output id string = account.id
output endpoint string = account.properties.endpoint
output deploymentName string = deployment.name
