using System.CommandLine;
using Distributed.Trainer.Data;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Extensions.Logging;

namespace Distributed.Silo.Commands;

/// <summary>Options and plumbing the commands share.</summary>
public static class CommonOptions
{
    public const string VerboseName = "--verbose";

    public static readonly Option<bool> Verbose = new(VerboseName) { Description = "show stack traces of errors", Recursive = true };

    /// <summary>A path typed on the command line, made absolute (blob:// locations stay as they are).</summary>
    public static string? FullPath(string? path) =>
        path is null || path.StartsWith(ShardStores.BlobScheme, StringComparison.Ordinal) ? path : Path.GetFullPath(path);

    /// <summary>
    /// Logging for one run: the console (the process's Serilog logger) and, when given, a log file beside it, as
    /// Microsoft.Extensions.Logging loggers for the trainer's ILogger&lt;T&gt;. Dispose to flush the file.
    /// </summary>
    public static (ILoggerFactory Loggers, IDisposable Owner) RunLogging(string? logFile)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.Information().Enrich.FromLogContext().WriteTo.Logger(Log.Logger);
        if (logFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
            configuration = configuration.WriteTo.File(logFile, outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        }
        var logger = configuration.CreateLogger();
        var factory = new SerilogLoggerFactory(logger, dispose: true);
        return (factory, factory);
    }
}
