@description('The function app (isolated worker) on Azure Container Apps, on the GPU workload profile.')
param name string
param location string
param tags object
param environmentId string
param workloadProfileName string
param image string
param identityId string
param identityClientId string
param registryServer string
param storageAccountName string
param applicationInsightsConnectionString string
param defaultModel string
@description('Days a stored queue answer is replayed (the results container\'s lifecycle rule deletes it after as many).')
param resultRetentionDays int
@description('The trainer job the function app starts for each training run (the containerapps runner).')
param trainerJobName string
param trainerImage string
@description('vCPUs and memory of the trainer replica ({ cpu, memory }), the same as the job template.')
param trainerResources object
param trainerClientId string

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux,container,azurecontainerapps'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environmentId
    workloadProfileName: workloadProfileName
    resourceConfig: {
      cpu: 8
      memory: '56Gi'
    }
    siteConfig: {
      linuxFxVersion: 'DOCKER|${image}'
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identityClientId
      minimumElasticInstanceCount: 1
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'dotnet-isolated' }
        { name: 'DOCKER_REGISTRY_SERVER_URL', value: 'https://${registryServer}' }
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
        { name: 'Registry__ServiceUri', value: 'https://${storageAccountName}.blob.${environment().suffixes.storage}' }
        { name: 'ClassifyRequestsQueue', value: 'classify-requests' }
        { name: 'ClassifyResultsQueue', value: 'classify-results' }
        { name: 'Serving__DefaultModel', value: defaultModel }
        { name: 'Queues__ResultRetentionDays', value: string(resultRetentionDays) }
        { name: 'Serving__Device', value: workloadProfileName == 'Consumption' ? 'cpu' : 'cuda' }
        { name: 'Training__Runner__Kind', value: 'containerapps' }
        { name: 'Training__Runner__ContainerApps__SubscriptionId', value: subscription().subscriptionId }
        { name: 'Training__Runner__ContainerApps__ResourceGroup', value: resourceGroup().name }
        { name: 'Training__Runner__ContainerApps__JobName', value: trainerJobName }
        { name: 'Training__Runner__ContainerApps__Image', value: trainerImage }
        { name: 'Training__Runner__ContainerApps__Cpu', value: string(trainerResources.cpu) }
        { name: 'Training__Runner__ContainerApps__Memory', value: trainerResources.memory }
        { name: 'Training__Runner__ContainerApps__TrainerClientId', value: trainerClientId }
        { name: 'Training__Runner__ContainerApps__StorageAccountName', value: storageAccountName }
        { name: 'Training__Runner__ContainerApps__ArmEndpoint', value: environment().resourceManager }
        { name: 'Training__Runner__ContainerApps__Scope', value: '${environment().resourceManager}.default' }
      ]
    }
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
