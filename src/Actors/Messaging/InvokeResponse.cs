using System.Text.Json;

namespace Distributed.Actors.Messaging;

/// <summary>The outcome of a grain call: a result (absent for Task/ValueTask) or the exception the grain threw.</summary>
public sealed record InvokeResponse(JsonElement? Result, RemoteError? Error);
