using System.Reflection;
using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>
/// Finds libdst_native.so: DST_NATIVE_LIB (a full path) first, then beside the application, then the
/// repository's build folder (artifacts/native/build) above the application's folder, where
/// infra/setup.sh builds it.
/// </summary>
internal static class NativeLibraryResolver
{
    private const string FileName = "libdst_native.so";

    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != NativeMethods.Lib) return nint.Zero;
        var path = Locate() ?? throw new DllNotFoundException(
            $"{FileName} was not found (looked at $DST_NATIVE_LIB, {AppContext.BaseDirectory} and artifacts/native/build " +
            "above it). Build it with infra/setup.sh, or set DST_NATIVE_LIB to its full path.");
        return NativeLibrary.Load(path);
    }

    internal static string? Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("DST_NATIVE_LIB");
        if (!string.IsNullOrEmpty(fromEnv)) return File.Exists(fromEnv) ? fromEnv : null;
        var beside = Path.Combine(AppContext.BaseDirectory, FileName);
        if (File.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var built = Path.Combine(dir.FullName, "artifacts", "native", "build", FileName);
            if (File.Exists(built)) return built;
        }
        return null;
    }
}
