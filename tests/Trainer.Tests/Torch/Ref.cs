using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Tests.Torch;

/// <summary>Independent float64 references, written as plain loops, and helpers to compare tensors with them.</summary>
internal static class Ref
{
    public static double[] Random(Random rng, int n, double scale = 1.0)
    {
        var a = new double[n];
        for (var i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    public static Tensor T(double[] data, params long[] shape) => Tensor.FromSpan<double>(data, shape);

    public static Tensor T32(double[] data, params long[] shape) =>
        Tensor.FromSpan<float>(data.Select(x => (float)x).ToArray(), shape);

    /// <summary>Asserts ‖actual − expected‖ / ‖expected‖ ≤ tol (and no NaN), naming what was compared.</summary>
    public static void Close(double[] expected, Tensor actual, double tol = 1e-12, string what = "")
    {
        var a = actual.ToDoubleArray();
        Assert.True(expected.Length == a.Length, $"{what}: expected {expected.Length} elements, got {a.Length}");
        double diff = 0, norm = 0;
        for (var i = 0; i < a.Length; i++)
        {
            Assert.False(double.IsNaN(a[i]), $"{what}: NaN at {i}");
            diff += (a[i] - expected[i]) * (a[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        var rel = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-300);
        Assert.True(rel <= tol, $"{what}: relative error {rel:E3} > {tol:E1}");
    }

    public static double[] MatMul(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var t = 0; t < k; t++) s += a[i * k + t] * b[t * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    public static double[] Transpose(double[] a, int rows, int cols)
    {
        var t = new double[a.Length];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                t[j * rows + i] = a[i * cols + j];
        return t;
    }

    public static double[] Softmax(double[] x, int rows, int cols, bool log = false)
    {
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            var max = double.NegativeInfinity;
            for (var c = 0; c < cols; c++) max = Math.Max(max, x[r * cols + c]);
            double sum = 0;
            for (var c = 0; c < cols; c++) sum += Math.Exp(x[r * cols + c] - max);
            for (var c = 0; c < cols; c++)
                y[r * cols + c] = log ? x[r * cols + c] - max - Math.Log(sum) : Math.Exp(x[r * cols + c] - max) / sum;
        }
        return y;
    }

    public static double[] LayerNorm(double[] x, int rows, int cols, double[] w, double[] b, double eps)
    {
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            double mean = 0, var = 0;
            for (var c = 0; c < cols; c++) mean += x[r * cols + c];
            mean /= cols;
            for (var c = 0; c < cols; c++) var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            var /= cols;
            for (var c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - mean) / Math.Sqrt(var + eps) * w[c] + b[c];
        }
        return y;
    }

    public static double[] RmsNorm(double[] x, int rows, int cols, double[] w, double eps)
    {
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            double ms = 0;
            for (var c = 0; c < cols; c++) ms += x[r * cols + c] * x[r * cols + c];
            ms /= cols;
            for (var c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] / Math.Sqrt(ms + eps) * w[c];
        }
        return y;
    }

    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    // erf by its Maclaurin series (converges fast for the |x| < 3 used here; float64 accurate to ~1e-15).
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 3) return Math.Sign(x) * (1 - ErfcLarge(Math.Abs(x)));
        double sum = 0, term = x;
        for (var n = 0; n < 200; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
            if (Math.Abs(term) < 1e-18) break;
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    // erfc by its continued fraction for x > 3.
    private static double ErfcLarge(double x)
    {
        double f = 0;
        for (var k = 60; k >= 1; k--) f = k / 2.0 / (x + f);
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / (x + f);
    }

    /// <summary>Attention over (B·H) rows of (L, D) queries and (S, D) keys/values; keep[l, s] says who may attend.</summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int bh, int l, int s, int d, Func<int, int, bool> keep)
    {
        var o = new double[bh * l * d];
        var scale = 1 / Math.Sqrt(d);
        for (var h = 0; h < bh; h++)
            for (var i = 0; i < l; i++)
            {
                var scores = new double[s];
                var max = double.NegativeInfinity;
                for (var j = 0; j < s; j++)
                {
                    if (!keep(i, j))
                    {
                        scores[j] = double.NegativeInfinity;
                        continue;
                    }
                    double dot = 0;
                    for (var t = 0; t < d; t++) dot += q[(h * l + i) * d + t] * k[(h * s + j) * d + t];
                    scores[j] = dot * scale;
                    max = Math.Max(max, scores[j]);
                }
                double sum = 0;
                for (var j = 0; j < s; j++) sum += scores[j] == double.NegativeInfinity ? 0 : Math.Exp(scores[j] - max);
                for (var j = 0; j < s; j++)
                {
                    var p = scores[j] == double.NegativeInfinity ? 0 : Math.Exp(scores[j] - max) / sum;
                    for (var t = 0; t < d; t++) o[(h * l + i) * d + t] += p * v[(h * s + j) * d + t];
                }
            }
        return o;
    }

    /// <summary>
    /// Checks the gradient that backward gives for every input against central finite differences, in
    /// float64, on the scalar sum(f(x) · R) with a fixed random R.
    /// </summary>
    public static void GradCheck(Func<Tensor[], Tensor> f, double[][] inputs, long[][] shapes, double tol = 1e-6, string what = "",
        double step = 1e-6)
    {
        using var scope = TensorScope.Begin();
        var rng = new Random(1234);
        var xs = inputs.Select((x, i) => T(x, shapes[i]).RequiresGrad_()).ToArray();
        var y = f(xs);
        var r = Random(rng, (int)y.NumEl);
        var weights = T(r, y.Shape);
        var loss = (y * weights).Sum();
        loss.Backward();
        for (var i = 0; i < inputs.Length; i++)
        {
            var analytic = xs[i].Grad()!.ToDoubleArray();
            var numeric = new double[inputs[i].Length];
            for (var j = 0; j < inputs[i].Length; j++)
            {
                numeric[j] = (Eval(f, inputs, shapes, i, j, +step, r) - Eval(f, inputs, shapes, i, j, -step, r)) / (2 * step);
            }
            Close(numeric, T(analytic, shapes[i]), tol, $"{what}: d/d input {i}");
        }
    }

    private static double Eval(Func<Tensor[], Tensor> f, double[][] inputs, long[][] shapes, int which, int index, double delta, double[] r)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = NoGradScope.Begin();
        var xs = inputs.Select((x, i) =>
        {
            if (i != which) return T(x, shapes[i]);
            var copy = (double[])x.Clone();
            copy[index] += delta;
            return T(copy, shapes[i]);
        }).ToArray();
        var y = f(xs).ToDoubleArray();
        double s = 0;
        for (var t = 0; t < y.Length; t++) s += y[t] * r[t];
        return s;
    }
}
