targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment; used in resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Primary location for all resources.')
param location string

// No defaults for the images: a stock base image would deploy an app without this code in it, so a deployment without
// the pushed images fails at once instead of starting something that only looks deployed.
@minLength(1)
@description('Container image of the function app, built from infra/Dockerfile.functions and pushed to the registry below (azd: SERVICE_FUNCTIONS_IMAGE_NAME).')
param functionsImage string

@minLength(1)
@description('Container image of the trainer, built from infra/Dockerfile.trainer and pushed to the registry below (azd: SERVICE_TRAINER_IMAGE_NAME).')
param trainerImage string

@maxLength(50)
@description('Name of the container registry the images are pulled from; empty for a generated one. Set it to create the registry before the first deployment and push the images into it.')
param containerRegistryName string = ''

@description('Workload profile for inference and training: a serverless GPU profile, or Consumption for CPU only.')
@allowed(['Consumption-GPU-NC8as-T4', 'Consumption-GPU-NC24-A100', 'Consumption'])
param gpuWorkloadProfile string = 'Consumption-GPU-NC8as-T4'

@description('Default model served when a request names none.')
param defaultModel string = 'spam'

@minValue(1)
@maxValue(3650)
@description('Days a queue answer is kept in the results container and replayed to a redelivered id: the app setting Queues__ResultRetentionDays and the container\'s lifecycle rule.')
param resultRetentionDays int = 7

var abbrs = {
  resourceGroup: 'rg-'
  storage: 'st'
  identity: 'id-'
  logs: 'log-'
  insights: 'appi-'
  environment: 'cae-'
  registry: 'cr'
  functions: 'func-'
  job: 'caj-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var registryName = empty(containerRegistryName) ? '${abbrs.registry}${resourceToken}' : containerRegistryName
// The trainer replica: what each workload profile offers to one replica (one GPU on the GPU profiles).
var trainerResources = {
  'Consumption-GPU-NC8as-T4': { cpu: 8, memory: '56Gi' }
  'Consumption-GPU-NC24-A100': { cpu: 24, memory: '220Gi' }
  Consumption: { cpu: 4, memory: '8Gi' }
}[gpuWorkloadProfile]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

// Two identities: the function app's (storage, and starting the trainer job) and the trainer's (storage data only).
module appIdentity 'app/identity.bicep' = {
  name: 'identity-app'
  scope: rg
  params: {
    name: '${abbrs.identity}func-${resourceToken}'
    location: location
    tags: tags
  }
}

module trainerIdentity 'app/identity.bicep' = {
  name: 'identity-trainer'
  scope: rg
  params: {
    name: '${abbrs.identity}trainer-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storage}${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: appIdentity.outputs.principalId
    trainerPrincipalId: trainerIdentity.outputs.principalId
    resultRetentionDays: resultRetentionDays
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.logs}${resourceToken}'
    applicationInsightsName: '${abbrs.insights}${resourceToken}'
    location: location
    tags: tags
  }
}

module registry 'app/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: registryName
    location: location
    tags: tags
    pullPrincipalIds: [appIdentity.outputs.principalId, trainerIdentity.outputs.principalId]
  }
}

module environment 'app/environment.bicep' = {
  name: 'environment'
  scope: rg
  params: {
    name: '${abbrs.environment}${resourceToken}'
    location: location
    tags: tags
    logAnalyticsWorkspaceName: monitoring.outputs.logAnalyticsWorkspaceName
    gpuWorkloadProfile: gpuWorkloadProfile
  }
}

module trainer 'app/trainer.bicep' = {
  name: 'trainer'
  scope: rg
  params: {
    name: '${abbrs.job}trainer-${resourceToken}'
    location: location
    tags: tags
    environmentId: environment.outputs.id
    workloadProfileName: environment.outputs.gpuProfileName
    image: trainerImage
    resources: trainerResources
    identityId: trainerIdentity.outputs.id
    identityClientId: trainerIdentity.outputs.clientId
    runnerPrincipalId: appIdentity.outputs.principalId
    registryServer: registry.outputs.loginServer
    storageAccountName: storage.outputs.name
  }
}

module functions 'app/functions.bicep' = {
  name: 'functions'
  scope: rg
  params: {
    name: '${abbrs.functions}${resourceToken}'
    location: location
    tags: tags
    environmentId: environment.outputs.id
    workloadProfileName: environment.outputs.gpuProfileName
    image: functionsImage
    identityId: appIdentity.outputs.id
    identityClientId: appIdentity.outputs.clientId
    registryServer: registry.outputs.loginServer
    storageAccountName: storage.outputs.name
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    defaultModel: defaultModel
    resultRetentionDays: resultRetentionDays
    trainerJobName: trainer.outputs.name
    trainerImage: trainerImage
    trainerResources: trainerResources
    trainerClientId: trainerIdentity.outputs.clientId
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registryName
output AZURE_FUNCTION_APP_NAME string = functions.outputs.name
output AZURE_FUNCTION_APP_URL string = functions.outputs.url
output AZURE_TRAINER_JOB_NAME string = trainer.outputs.name
