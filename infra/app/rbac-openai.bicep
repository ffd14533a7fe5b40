// Cognitive Services OpenAI User on the Azure OpenAI account for one principal. A module of its
// own so that main.bicep deploys it only with OpenAI: an existing reference to an account that
// was not deployed would form a resource id with an empty name.

@description('Object id of the principal receiving the role.')
param principalId string

@description('Kind of principal; ServicePrincipal for managed identities and CI, User for a developer.')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string

@description('Azure OpenAI account.')
@minLength(2)
param openAiAccountName string

// Cognitive Services OpenAI User: call deployments (chat completions); no management rights.
var cognitiveServicesOpenAiUserRoleId = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'

resource openAi 'Microsoft.CognitiveServices/accounts@2025-06-01' existing = {
  name: openAiAccountName
}

resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, principalId, cognitiveServicesOpenAiUserRoleId)
  scope: openAi
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesOpenAiUserRoleId)
  }
}
