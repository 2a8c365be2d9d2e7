using System.Globalization;
using Azure.Storage.Blobs;
using Distributed.Checkpoints.TestHost;
using Distributed.Trainer.Training.Checkpoints;

// write-part CONTAINER PREFIX CHECKPOINT WORLD RANK STEP SCALE BLOCK_BYTES DELAY_MS
// Writes one rank's files of a synthetic checkpoint to blob storage (AZURE_STORAGE_CONNECTION_STRING) in blocks of
// BLOCK_BYTES, pausing DELAY_MS after each, and prints "STAGED <file> <bytes>" once two blocks of a file are staged
// (so a test can kill it -9 mid-upload), then "DONE" with the files it wrote.
if (args.Length != 10 || args[0] != "write-part")
{
    Console.Error.WriteLine("usage: write-part CONTAINER PREFIX CHECKPOINT WORLD RANK STEP SCALE BLOCK_BYTES DELAY_MS");
    return 2;
}
int Int(int i) => int.Parse(args[i], CultureInfo.InvariantCulture);
var (container, prefix, checkpoint, world, rank, step, scale, blockBytes, delayMs) =
    (args[1], args[2], args[3], Int(4), Int(5), long.Parse(args[6], CultureInfo.InvariantCulture), Int(7), Int(8), Int(9));
var connection = Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING")
    ?? throw new InvalidOperationException("set AZURE_STORAGE_CONNECTION_STRING");
using var blob = new BlobCheckpointStore(new BlobServiceClient(connection).GetBlobContainerClient(container), prefix, blockBytes);
var store = new SlowStore(blob, blockBytes, TimeSpan.FromMilliseconds(delayMs));
var entries = await CheckpointParts.WriteAsync(store, checkpoint, SyntheticSnapshot.Create(step, scale), world, rank);
Console.WriteLine($"DONE {string.Join(' ', entries.Select(e => e.File))}");
return 0;
