using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Distributed.Actors.State;

/// <summary>
/// Grain state as one JSON blob per grain and state name; the blob's own ETag is the state's ETag, and writes carry
/// If-Match (or If-None-Match: * for a new record), so the service itself rejects a write that lost a race.
/// </summary>
public sealed class AzureBlobGrainStorage(BlobContainerClient container, JsonSerializerOptions json) : IGrainStorage
{
    private readonly Lazy<Task> _containerCreated = new(() => container.CreateIfNotExistsAsync());

    public async Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        await _containerCreated.Value;
        try
        {
            var result = await Blob(grainId, stateName).DownloadContentAsync(cancellationToken);
            var state = result.Value.Content.ToObjectFromJson<TState>(json)!;
            return new StoredState<TState>(state, result.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<string> WriteAsync<TState>(GrainId grainId, string stateName, TState state, string? etag, CancellationToken cancellationToken)
    {
        await _containerCreated.Value;
        var blob = Blob(grainId, stateName);
        try
        {
            var options = new BlobUploadOptions { Conditions = Condition(etag), HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } };
            var response = await blob.UploadAsync(BinaryData.FromObjectAsJson(state, json), options, cancellationToken);
            return response.Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new InconsistentStateException(grainId, stateName, etag, await StoredEtagAsync(blob, cancellationToken));
        }
    }

    public async Task ClearAsync(GrainId grainId, string stateName, string? etag, CancellationToken cancellationToken)
    {
        await _containerCreated.Value;
        var blob = Blob(grainId, stateName);
        if (etag is null)
        {
            var stored = await StoredEtagAsync(blob, cancellationToken);
            if (stored is not null)
            {
                throw new InconsistentStateException(grainId, stateName, etag, stored);
            }
            return;
        }
        try
        {
            await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = new ETag(etag) }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            throw new InconsistentStateException(grainId, stateName, etag, await StoredEtagAsync(blob, cancellationToken));
        }
    }

    private BlobClient Blob(GrainId grainId, string stateName) =>
        container.GetBlobClient($"{StorageNames.Escape(grainId.Type)}/{StorageNames.Escape(grainId.Key)}/{StorageNames.Escape(stateName)}.json");

    private static BlobRequestConditions Condition(string? etag) =>
        etag is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(etag) };

    private static async Task<string?> StoredEtagAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
