using Labeling.Adapters.Azure;
using Labeling.Application;
using Labeling.Functions.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddLabelingApplication(builder.Configuration);
builder.Services.AddLabelingApi(builder.Configuration);
builder.Services.AddAzureAdapters(builder.Configuration);
builder.Build().Run();
