using Distributed.Grains.Workers;

namespace Distributed.Dashboard;

/// <summary>One row of the Workers page: the worker's status (null when it did not answer) and its heartbeat age.</summary>
/// <param name="Gpu">The GPU's global index.</param>
/// <param name="Status">What the worker reported.</param>
/// <param name="HeartbeatAgeSeconds">Seconds since its last step report (null before its first step).</param>
/// <param name="Error">Why the worker did not answer.</param>
public sealed record WorkerView(int Gpu, WorkerStatus? Status, double? HeartbeatAgeSeconds, string? Error);
