using Distributed.Trainer.Torch;

namespace Distributed.Trainer.Nn;

/// <summary>
/// A tree of parameters and sub-modules with dotted names ("layers.0.attn.q_proj.weight"), as in PyTorch,
/// so Hugging Face names map onto it through a table.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, Module Module)> _modules = [];

    public bool Training { get; private set; } = true;

    protected Parameter RegisterParameter(string name, Tensor data, bool trainable = true)
    {
        var p = new Parameter(data, trainable);
        _parameters.Add((name, p));
        return p;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        _modules.Add((name, module));
        return module;
    }

    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, m) in _modules)
            foreach (var item in m.NamedParameters(prefix + name + "."))
                yield return item;
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(x => x.Parameter);

    public IEnumerable<Module> Modules() => NamedModules().Select(x => x.Module);

    /// <summary>This module (named by <paramref name="prefix"/>) and every sub-module by dotted name.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, m) in _modules)
            foreach (var sub in m.NamedModules(prefix.Length == 0 ? name : prefix + "." + name))
                yield return sub;
    }

    public long ParameterCount => Parameters().Sum(p => p.NumEl);

    /// <summary>Train or eval mode for this module and every sub-module (dropout reads it).</summary>
    public void Train(bool training = true)
    {
        foreach (var m in Modules()) m.Training = training;
    }

    public void Eval() => Train(false);

    public void Freeze()
    {
        foreach (var p in Parameters()) p.Trainable = false;
    }

    public void Unfreeze()
    {
        foreach (var p in Parameters()) p.Trainable = true;
    }

    /// <summary>The parameters by name. The tensors are the parameters' own: do not dispose them.</summary>
    public Dictionary<string, Tensor> StateDict() => NamedParameters().ToDictionary(x => x.Name, x => x.Parameter.Data);

    /// <summary>
    /// Copies values into the parameters (converting dtype and device). Strict: every parameter must be
    /// given and nothing else; shapes must match. Names that are wrong are all listed in one error.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = NamedParameters().ToDictionary(x => x.Name, x => x.Parameter);
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new ArgumentException(
                $"state dict does not match the module: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]",
                nameof(state));
        foreach (var (name, p) in own)
        {
            if (!state.TryGetValue(name, out var value)) continue;
            if (!value.Shape.SequenceEqual(p.Shape))
                throw new ArgumentException(
                    $"state dict entry '{name}' has shape [{string.Join(", ", value.Shape)}], the parameter has [{string.Join(", ", p.Shape)}]",
                    nameof(state));
            using var noGrad = NoGradScope.Begin();
            p.Data.Copy_(value);
        }
    }

    public virtual void Dispose()
    {
        foreach (var (_, p) in _parameters) p.Dispose();
        foreach (var (_, m) in _modules) m.Dispose();
        GC.SuppressFinalize(this);
    }
}
