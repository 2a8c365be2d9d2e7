using System.Text;
using Spectre.Console;

namespace Distributed.Silo.Commands;

/// <summary>
/// A Spectre.Console progress bar for long commands (tokenize, train) on an interactive terminal. When the output is
/// redirected (a file, a pipe, CI) there is no bar: the commands' plain log lines are the progress, and nothing
/// else is written, so logs and machine-read output stay clean.
/// </summary>
public static partial class TerminalProgress
{
    /// <summary>Whether a live bar can be drawn: standard output is a terminal that Spectre can redraw.</summary>
    public static bool IsInteractive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>
    /// Runs <paramref name="work"/> with a bar of <paramref name="total"/> units (a null bar when not interactive).
    /// While the bar is up, lines written to the console (the log) are printed above it instead of through it.
    /// </summary>
    public static async Task<T> RunAsync<T>(string description, double total, Func<Bar?, Task<T>> work)
    {
        if (!IsInteractive) return await work(null);
        var original = Console.Out;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(original) });
        using var above = new LineWriter(console);
        Console.SetOut(above);
        try
        {
            return await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(),
                    new SpinnerColumn())
                .StartAsync(async context => await work(new Bar(context.AddTask(description, maxValue: Math.Max(total, 1)))));
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    /// <summary>The bar of one task: thread-safe, so the training thread or a progress callback may update it.</summary>
    public sealed class Bar(ProgressTask task)
    {
        public void Update(double value, string description)
        {
            task.Value = Math.Min(value, task.MaxValue);
            task.Description = Markup.Escape(description);
        }

        public void SetTotal(double total) => task.MaxValue = Math.Max(total, 1);
    }

    [System.Text.RegularExpressions.GeneratedRegex("\x1b\\[[0-9;?]*[A-Za-z]")]
    private static partial System.Text.RegularExpressions.Regex AnsiCodes();

    /// <summary>Hands whole lines to Spectre, which prints them above the live bar.</summary>
    private sealed class LineWriter(IAnsiConsole console) : TextWriter
    {
        private readonly StringBuilder _line = new();
        private readonly Lock _lock = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_lock)
            {
                if (value == '\n')
                {
                    // The log's own colour codes would count as width to Spectre and break its wrapping: plain text.
                    console.Write(new Text(AnsiCodes().Replace(_line.ToString().TrimEnd('\r'), "") + "\n"));
                    _line.Clear();
                }
                else _line.Append(value);
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "") Write(c);
        }

        protected override void Dispose(bool disposing)
        {
            lock (_lock)
            {
                if (_line.Length > 0) console.Write(new Text(_line + "\n"));
                _line.Clear();
            }
            base.Dispose(disposing);
        }
    }
}
