@description('The trainer: an Azure Container Apps job on the GPU workload profile, started once per training run.')
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

resource job 'Microsoft.App/jobs@2024-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'trainer' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: 86400
      replicaRetryLimit: 3
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      registries: [{ server: registryServer, identity: identityId }]
    }
    template: {
      containers: [
        {
          name: 'trainer'
          image: image
          args: ['run']
          resources: { cpu: 8, memory: '56Gi' }
          env: [
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            { name: 'Registry__ServiceUri', value: 'https://${storageAccountName}.blob.${environment().suffixes.storage}' }
            { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
            { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
          ]
        }
      ]
    }
  }
}

output name string = job.name
