namespace Distributed.Actors.State;

/// <summary>Turns grain types, keys and state names into safe file and blob path segments.</summary>
internal static class StorageNames
{
    // Escapes '/', and '.' too, so a key like ".." can never climb out of the storage root.
    public static string Escape(string text) => Uri.EscapeDataString(text).Replace(".", "%2E", StringComparison.Ordinal);
}
