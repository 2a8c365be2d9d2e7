using Microsoft.Extensions.Options;

namespace Distributed.Grains.Hosting;

/// <summary>Validates an options class at silo start by its own list of problems, reporting every one of them.</summary>
internal sealed class ProblemsValidator<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var found = problems(options).ToList();
        return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
    }
}
