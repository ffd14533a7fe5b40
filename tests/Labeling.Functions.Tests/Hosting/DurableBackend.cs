using DurableTask.Core;
using Grpc.Net.Client;
using Labeling.Functions.Crowd;
using Labeling.Orchestration.Crowd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Labeling.Functions.Tests.Hosting;

/// <summary>
/// The in-process Durable host, built from its parts: the in-memory task hub behind the gRPC sidecar, and a
/// worker running the <c>CollectVotes</c> orchestrator with the activities of whichever Functions instance is
/// attached (<see cref="Attach"/>). It plays the task hub in Azure Storage, which outlives a Functions instance:
/// while no instance is attached, activities wait, as their messages would wait in the work-item queue.
/// </summary>
/// <remarks>
/// <para>The worker itself is not restarted with the instance: the in-memory hub does not hand a stopped worker's
/// work items to the next one (an orchestration step whose completion call the stopping worker cancels is lost,
/// and the workflow hangs), where Azure Storage's lease timeouts would. Orchestrators keep no state outside the
/// hub's history, so what a restart can lose lives in the activities, and those run on the attached instance.</para>
/// <para><c>DurableTaskTestHost</c> bundles hub and worker so that neither can outlive the other, and logs each
/// gRPC call at Information to the console (tens of thousands of lines in the end-to-end run); here the sidecar
/// logs through the given factory.</para>
/// </remarks>
public sealed class DurableBackend : IAsyncDisposable
{
    /// <summary>Durable work items the worker runs at once (the Functions default for activities is 10 per core).</summary>
    private const int Concurrency = 16;

    private readonly IHost _sidecar;
    private readonly GrpcChannel _channel;
    private readonly IHost _worker;
    private readonly ActivityGate _activities;

    private DurableBackend(IHost sidecar, GrpcChannel channel, IHost worker, ActivityGate activities)
    {
        _sidecar = sidecar;
        _channel = channel;
        _worker = worker;
        _activities = activities;
        Client = worker.Services.GetRequiredService<DurableTaskClient>();
    }

    /// <summary>The Durable client binding's client.</summary>
    public DurableTaskClient Client { get; }

    /// <summary>Starts the hub on a free local port and a worker connected to it.</summary>
    /// <param name="loggerFactory">Where the sidecar and the worker log.</param>
    /// <returns>The running backend, with no instance attached.</returns>
    public static async Task<DurableBackend> StartAsync(ILoggerFactory loggerFactory)
    {
        var store = new InMemoryOrchestrationService(loggerFactory);
        var sidecar = new HostBuilder()
            .ConfigureLogging(logging => logging.ClearProviders().Services.AddSingleton(loggerFactory))
            .ConfigureWebHost(web => web
                .UseKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2))
                .UseUrls("http://127.0.0.1:0")
                .ConfigureServices(services =>
                {
                    services.AddGrpc();
                    services.AddSingleton<IOrchestrationService>(store);
                    services.AddSingleton<IOrchestrationServiceClient>(store);
                    services.AddSingleton<TaskHubGrpcServer>();
                })
                .Configure(app => app.UseRouting().UseEndpoints(endpoints => endpoints.MapGrpcService<TaskHubGrpcServer>())))
            .Build();
        await sidecar.StartAsync();
        var address = sidecar.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var activities = new ActivityGate();
        var channel = GrpcChannel.ForAddress(address);
        var worker = new HostBuilder()
            .ConfigureLogging(logging => logging.ClearProviders().Services.AddSingleton(loggerFactory))
            .ConfigureServices(services =>
            {
                services.AddDurableTaskWorker(builder =>
                {
                    builder.UseGrpc(channel);
                    builder.Configure(options =>
                    {
                        options.Concurrency.MaximumConcurrentActivityWorkItems = Concurrency;
                        options.Concurrency.MaximumConcurrentOrchestrationWorkItems = Concurrency;
                    });
                    builder.AddTasks(tasks =>
                    {
                        tasks.AddOrchestratorFunc<CollectVotesInput, CollectVotesResult?>(CollectVotesOrchestration.Name, (context, _) => CollectVotesFunctions.CollectVotes(context));
                        tasks.AddActivityFunc<ItemReference, CrowdObservation>(CollectVotesActivities.OpenForCrowd, (_, item) => activities.RunAsync(f => f.OpenForCrowdAsync(item, CancellationToken.None)));
                        tasks.AddActivityFunc<ObserveVoteInput, CrowdObservation>(CollectVotesActivities.ObserveVote, (_, input) => activities.RunAsync(f => f.ObserveVoteAsync(input, CancellationToken.None)));
                        tasks.AddActivityFunc<ItemReference, CrowdObservation>(CollectVotesActivities.ReturnToPool, (_, item) => activities.RunAsync(f => f.ReturnToPoolAsync(item, CancellationToken.None)));
                        tasks.AddActivityFunc<CompleteItemInput, int>(CollectVotesActivities.Complete, (_, input) => activities.RunAsync(f => f.CompleteAsync(input, CancellationToken.None)));
                    });
                });
                services.AddDurableTaskClient(builder =>
                {
                    builder.UseGrpc(channel);
                    builder.RegisterDirectly();
                });
            })
            .Build();
        await worker.StartAsync();
        return new DurableBackend(sidecar, channel, worker, activities);
    }

    /// <summary>Runs activities on this instance's function classes from now on.</summary>
    public void Attach(CollectVotesFunctions functions) => _activities.Attach(functions);

    /// <summary>Holds new activities back and waits for those running on the attached instance to finish.</summary>
    public Task DetachAsync(TimeSpan patience) => _activities.DetachAsync().WaitAsync(patience);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _worker.StopAsync();
        _worker.Dispose();
        await _channel.ShutdownAsync();
        _channel.Dispose();
        await _sidecar.StopAsync();
        _sidecar.Dispose();
    }

    /// <summary>Routes activities to the attached instance, holds them while none is, and counts those running.</summary>
    private sealed class ActivityGate
    {
        private readonly object _lock = new();
        private TaskCompletionSource<CollectVotesFunctions> _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _drained;
        private int _running;

        public async Task<T> RunAsync<T>(Func<CollectVotesFunctions, Task<T>> call)
        {
            CollectVotesFunctions functions;
            while (true)
            {
                Task<CollectVotesFunctions> attached;
                lock (_lock)
                {
                    attached = _attached.Task;
                }

                functions = await attached;
                lock (_lock)
                {
                    // Still the attached instance (not detached while this caller was waking up).
                    if (_attached.Task == attached)
                    {
                        _running++;
                        break;
                    }
                }
            }

            try
            {
                return await call(functions);
            }
            finally
            {
                lock (_lock)
                {
                    if (--_running == 0)
                    {
                        _drained?.TrySetResult();
                    }
                }
            }
        }

        public void Attach(CollectVotesFunctions functions)
        {
            lock (_lock)
            {
                _attached.TrySetResult(functions);
            }
        }

        public Task DetachAsync()
        {
            lock (_lock)
            {
                _attached = new TaskCompletionSource<CollectVotesFunctions>(TaskCreationOptions.RunContinuationsAsynchronously);
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_running == 0)
                {
                    _drained.TrySetResult();
                }

                return _drained.Task;
            }
        }
    }
}
