@description('Storage for the Functions runtime, the model registry, training runs and queue messages.')
param name string
param location string
param tags object
@description('The function app identity: blobs, queues and tables (the Functions runtime and Durable Functions use all three).')
param appPrincipalId string
@description('The trainer identity: blobs (run state, datasets, model packages) and queues (end-of-run events) only.')
param trainerPrincipalId string
@description('Days after which queue answers in the results container are deleted (the app ignores them after as many days).')
param resultRetentionDays int

var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var tableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var assignments = [
  { principalId: appPrincipalId, role: blobDataOwner }
  { principalId: appPrincipalId, role: queueDataContributor }
  { principalId: appPrincipalId, role: tableDataContributor }
  { principalId: trainerPrincipalId, role: blobDataContributor }
  { principalId: trainerPrincipalId, role: queueDataContributor }
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for container in ['models', 'training', 'results', 'uploads', 'datasets']: {
  parent: blobs
  name: container
}]

// Stored queue answers expire: the app stops replaying them after resultRetentionDays and this rule deletes them.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-queue-results'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['results/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: resultRetentionDays } } }
          }
        }
      ]
    }
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queue in ['classify-requests', 'classify-results', 'classify-requests-poison', 'training-events']: {
  parent: queueService
  name: queue
}]

resource roles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for assignment in assignments: {
  name: guid(account.id, assignment.principalId, assignment.role)
  scope: account
  properties: {
    principalId: assignment.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', assignment.role)
  }
}]

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
