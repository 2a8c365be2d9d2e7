using System.Reflection;
using System.Runtime.InteropServices;

namespace Distributed.Trainer.Torch.Interop;

/// <summary>
/// Finds libdst_native.so: DST_NATIVE_LIB (a full path) first, then beside the application, then the
/// repository's build folder (artifacts/native/build) above the application's folder, where
/// infra/setup.sh builds it. Before loading it, puts the OpenMP build of OpenBLAS in place (see
/// <see cref="PreloadOpenMpBlas"/>) and the thread count a caller asked for before the load.
/// </summary>
internal static partial class NativeLibraryResolver
{
    private const string FileName = "libdst_native.so";

    /// <summary>"system" keeps whichever BLAS the system links libtorch with (Debian's alternatives).</summary>
    internal const string BlasVariable = "DST_BLAS";

    private static int _requestedThreads;

    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    /// <summary>The OpenMP build of OpenBLAS preloaded in place of the system's BLAS, or null.</summary>
    internal static string? PreloadedBlas { get; private set; }

    /// <summary>
    /// Makes <paramref name="threads"/> the OpenMP default of every thread when the library is not loaded yet:
    /// libgomp reads OMP_NUM_THREADS once, when it loads, and threads that libtorch has not initialised (and
    /// OpenBLAS calls from them) use that default. Afterwards only at::set_num_threads can change it.
    /// </summary>
    internal static void RequestThreads(int threads) => _requestedThreads = threads;

    // The runtime asks again for every import it binds; the library and its environment are set up once.
    private static readonly Lazy<nint> Handle = new(Load);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == NativeMethods.Lib ? Handle.Value : nint.Zero;

    private static nint Load()
    {
        var path = Locate() ?? throw new DllNotFoundException(
            $"{FileName} was not found (looked at $DST_NATIVE_LIB, {AppContext.BaseDirectory} and artifacts/native/build " +
            "above it). Build it with infra/setup.sh, or set DST_NATIVE_LIB to its full path.");
        if (_requestedThreads > 0) SetNativeEnvironment("OMP_NUM_THREADS", _requestedThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WaitPolicy = ChooseWaitPolicy();
        PreloadedBlas = PreloadOpenMpBlas();
        return NativeLibrary.Load(path);
    }

    /// <summary>How idle OpenMP threads wait, as set when the library loaded (e.g. "OMP_WAIT_POLICY=PASSIVE").</summary>
    internal static string WaitPolicy { get; private set; } = "";

    /// <summary>
    /// libgomp's default lets a thread that finished its share of a parallel region spin for a while before it
    /// sleeps. On a core it has to itself that saves a wake-up; on cores shared with other processes (CI, a
    /// developer's build) the spinning threads take the time slices the working ones need, and each of the
    /// thousands of small regions of a step waits for a descheduled thread: measured here at load 13-17, the main
    /// job at 2 threads ran at 588 tokens/s spinning against 4,082 passive (5,321 at 1 thread). So threads sleep
    /// at once unless the user chose otherwise (OMP_WAIT_POLICY or GOMP_SPINCOUNT set).
    /// </summary>
    private static string ChooseWaitPolicy()
    {
        foreach (var name in new[] { "OMP_WAIT_POLICY", "GOMP_SPINCOUNT" })
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) return $"{name}={value} (from the environment)";
        }
        SetNativeEnvironment("OMP_WAIT_POLICY", "PASSIVE");
        return "OMP_WAIT_POLICY=PASSIVE";
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

    /// <summary>
    /// Debian's libtorch runs its own ops on OpenMP threads and links BLAS through the libblas.so.3 alternative,
    /// which is OpenBLAS's pthreads build: two pools that spin on the same cores, which made a 2-thread step
    /// 2-4x slower than a 1-thread one (bench/RESULTS.md). OpenBLAS's OpenMP build (libopenblas0-openmp) runs
    /// its GEMMs on libtorch's own OpenMP pool instead. Loading it first is enough: the dynamic loader then
    /// satisfies libtorch's libblas.so.3, liblapack.so.3 and libopenblas.so.0 by soname with these.
    /// Nothing changes when that build is not installed (a pip torch brings its own BLAS) or DST_BLAS=system.
    /// </summary>
    private static string? PreloadOpenMpBlas()
    {
        if (Environment.GetEnvironmentVariable(BlasVariable) == "system") return null;
        var triplet = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86_64-linux-gnu",
            Architecture.Arm64 => "aarch64-linux-gnu",
            _ => null,
        };
        if (triplet is null || !OperatingSystem.IsLinux()) return null;
        var dir = $"/usr/lib/{triplet}/openblas-openmp";
        string[] libraries = ["libopenblas.so.0", "libblas.so.3", "liblapack.so.3"];
        if (!libraries.All(l => File.Exists(Path.Combine(dir, l)))) return null;
        foreach (var library in libraries) NativeLibrary.Load(Path.Combine(dir, library));
        return Path.Combine(dir, libraries[0]);
    }

    // Environment.SetEnvironmentVariable changes .NET's copy only; native getenv reads the C library's.
    private static void SetNativeEnvironment(string name, string value)
    {
        if (setenv(name, value, 1) != 0) throw new InvalidOperationException($"setenv {name}={value} failed ({Marshal.GetLastPInvokeError()})");
        Environment.SetEnvironmentVariable(name, value);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);
}
