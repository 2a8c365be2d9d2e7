namespace Distributed.Trainer.Torch;

/// <summary>How the loaded BLAS runs its own work (OpenBLAS's openblas_get_parallel).</summary>
public enum BlasThreading
{
    /// <summary>Not OpenBLAS (a pip torch's MKL or its own BLAS): its threads are not ours to read.</summary>
    Unknown = -1,

    /// <summary>OpenBLAS built without threads.</summary>
    Sequential = 0,

    /// <summary>OpenBLAS's own pthreads pool, beside libtorch's OpenMP pool.</summary>
    Pthreads = 1,

    /// <summary>OpenBLAS on OpenMP: its GEMMs run on libtorch's intra-op pool.</summary>
    OpenMp = 2,
}

/// <summary>The CPU thread pools in effect, as libtorch and the BLAS report them.</summary>
/// <param name="IntraOp">libtorch's intra-op threads (at::get_num_threads on the calling thread).</param>
/// <param name="InterOp">libtorch's inter-op pool (at::launch); our code does not use it.</param>
/// <param name="BlasThreads">OpenBLAS's thread count, or -1 when the BLAS is not OpenBLAS.</param>
/// <param name="Blas">How the BLAS runs in parallel.</param>
/// <param name="BlasLibrary">The OpenBLAS build loaded from outside the system default, or null.</param>
/// <param name="BlasConfig">OpenBLAS's build description, or "" for another BLAS.</param>
/// <param name="WaitPolicy">How idle OpenMP threads wait, fixed when the library loaded (e.g. "OMP_WAIT_POLICY=PASSIVE").</param>
public sealed record CpuThreads(int IntraOp, int InterOp, int BlasThreads, BlasThreading Blas, string? BlasLibrary, string BlasConfig, string WaitPolicy)
{
    public override string ToString() =>
        $"intra-op {IntraOp}, inter-op {InterOp}, BLAS {(Blas == BlasThreading.Unknown ? "not OpenBLAS" : $"{BlasThreads} ({Blas})")}, {WaitPolicy}";
}
