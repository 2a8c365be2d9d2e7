using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distributed.Dashboard;

/// <summary>The API's JSON: camelCase, enums as their names, NaN/Infinity as strings (a diverged loss stays visible).</summary>
public static class DashboardJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
