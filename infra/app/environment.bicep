@description('Container Apps environment with a serverless GPU workload profile for inference and training.')
param name string
param location string
param tags object
param logAnalyticsWorkspaceName string
param gpuWorkloadProfile string

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

var profiles = gpuWorkloadProfile == 'Consumption'
  ? [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
  : [
      { name: 'Consumption', workloadProfileType: 'Consumption' }
      { name: 'gpu', workloadProfileType: gpuWorkloadProfile }
    ]

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    workloadProfiles: profiles
  }
}

output id string = environment.id
output gpuProfileName string = gpuWorkloadProfile == 'Consumption' ? 'Consumption' : 'gpu'
