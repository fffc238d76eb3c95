@description('The trainer: an Azure Container Apps job on the GPU workload profile, started once per training run by the function app.')
param name string
param location string
param tags object
param environmentId string
param workloadProfileName string
param image string
@description('vCPUs and memory of the trainer replica ({ cpu, memory }); the function app sends the same with every start.')
param resources object
@description('The trainer identity: storage data roles and AcrPull.')
param identityId string
param identityClientId string
@description('The function app identity, which starts, watches and stops executions of this job (the trainer-runner role).')
param runnerPrincipalId string
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
      // Retries are for crashes (a lost node, out of memory): a run that fails for good writes Failed to status.json and
      // exits 0, and the orchestration starts the trainer again after a crash, resuming from the checkpoint.
      replicaRetryLimit: 1
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      registries: [{ server: registryServer, identity: identityId }]
    }
    // The template is a placeholder: every start (ContainerAppsTrainingRunner) replaces it with the same container plus
    // the arguments `run --run-id <id>`, which only the start can know, and the environment of TrainerEnvironment.For.
    // The names below are the same (tests/Serverless.Infra.Tests checks it), so the template shows what a start sends.
    template: {
      containers: [
        {
          name: 'trainer'
          image: image
          args: ['run']
          resources: { cpu: resources.cpu, memory: resources.memory }
          env: [
            { name: 'AzureWebJobsStorage__blobServiceUri', value: 'https://${storageAccountName}.blob.${environment().suffixes.storage}' }
            { name: 'AzureWebJobsStorage__queueServiceUri', value: 'https://${storageAccountName}.queue.${environment().suffixes.storage}' }
            { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
            { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
          ]
        }
      ]
    }
  }
}

// Least privilege for the function app: start this job, read its executions, stop one. Custom roles can only be made
// assignable at resource-group level or above, so the definition names the resource group and the assignment below
// is what confines it to this one job.
resource runnerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, name, 'trainer-runner')
  properties: {
    roleName: 'Trainer runner (${name})'
    description: 'Start the trainer job, read its executions and stop an execution.'
    type: 'CustomRole'
    assignableScopes: [resourceGroup().id]
    permissions: [
      {
        actions: [
          'Microsoft.App/jobs/read'
          'Microsoft.App/jobs/start/action'
          // GET jobs/{job}/executions/{name}: the execution reads (spelt execution/read and executions/read).
          'Microsoft.App/jobs/*/read'
          // POST jobs/{job}/executions/{name}/stop.
          'Microsoft.App/jobs/stop/action'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource runnerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(job.id, runnerPrincipalId, runnerRole.id)
  scope: job
  properties: {
    principalId: runnerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: runnerRole.id
  }
}

output name string = job.name
output image string = image
