// Hand-written rather than Spectre.Console: container logs need plain lines per stage, which a live Spectre display does not write when output is redirected.
using System.Diagnostics;
using System.Globalization;

using Serverless.Training;
using Serverless.Training.HeadOnly;

namespace Serverless.Cli;

/// <summary>
/// The one progress display of the trainer and the demo, for head-only training (<see cref="TrainingProgress"/>) and training runs
/// (<see cref="FineTuningProgress"/>) alike. In a terminal it is one bar redrawn in place; with the output redirected
/// (container logs, a file) it writes a line when the stage changes (a head-only stage, a trial's epoch), at every
/// <see cref="LineEvery"/> % of a stage, and when new validation figures arrive. Every line starts with the elapsed time.
/// Reports may come from several threads.
/// </summary>
/// <param name="output">Where the display is written.</param>
/// <param name="interactive">Whether <paramref name="output"/> is a terminal: one bar redrawn in place instead of lines.</param>
public sealed class ConsoleProgress(TextWriter output, bool interactive) : IProgress<TrainingProgress>, IProgress<FineTuningProgress>
{
    /// <summary>Percent of a stage between two lines of redirected output.</summary>
    public const int LineEvery = 5;

    private const int Width = 30;
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private string? _stage;
    private int _step = -1;
    private double? _validation;
    private bool _drawn;

    /// <summary>The display on the console: a bar when it is a terminal, lines otherwise.</summary>
    public static ConsoleProgress ForConsole() => For(Console.Out);

    /// <summary>The display on <paramref name="output"/>: a bar when it is the console's output and that is a terminal, lines otherwise.</summary>
    public static ConsoleProgress For(TextWriter output) =>
        new(output, interactive: ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);

    /// <summary>How long since the display was made.</summary>
    public TimeSpan Elapsed => _stopwatch.Elapsed;

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Show(value.Stage, value.Percent, value.Detail, validation: null);
    }

    /// <inheritdoc />
    public void Report(FineTuningProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var left = value.SecondsLeft is { } seconds ? $" | ~{TimeSpan.FromSeconds(seconds):hh\\:mm\\:ss} left" : "";
        if (value.Phase == FineTuningProgress.HeadPhase)
        {
            Show($"head-only {value.Stage}", value.Percent ?? 0, left.TrimStart(' ', '|'), validation: null);
            return;
        }

        var validation = value.ValidationMacroF1 is { } f1
            ? string.Create(CultureInfo.InvariantCulture, $" | val acc {value.ValidationAccuracy:F3} F1 {f1:F3}")
            : "";
        var trial = value.Trials > 1 ? string.Create(CultureInfo.InvariantCulture, $"trial {value.Trial}/{value.Trials} (rate {value.LearningRate:G3}) ") : "";
        Show(string.Create(CultureInfo.InvariantCulture, $"{trial}epoch {value.Epoch}/{value.Epochs}"),
            value.Steps == 0 ? 0 : 100.0 * value.Step / value.Steps,
            string.Create(CultureInfo.InvariantCulture, $"step {value.Step}/{value.Steps} loss {value.Loss:F4}{validation}{left}"),
            value.ValidationMacroF1);
    }

    /// <summary>Ends the bar's line, so what is written next starts on a line of its own.</summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (_drawn)
            {
                output.WriteLine();
                _drawn = false;
            }
        }
    }

    private void Show(string stage, double percent, string detail, double? validation)
    {
        lock (_lock)
        {
            var newValidation = validation is not null && validation != _validation;
            _validation = validation ?? _validation;
            var line = string.Create(CultureInfo.InvariantCulture, $"[{_stopwatch.Elapsed:mm\\:ss}] {percent,5:0.0}% {stage} {detail}");
            if (interactive)
            {
                var filled = (int)Math.Round(Width * Math.Clamp(percent / 100, 0, 1));
                output.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {line}   ");
                _drawn = true;
                return;
            }

            var step = (int)(percent / LineEvery);
            if (stage == _stage && step == _step && !newValidation)
            {
                return;
            }

            _stage = stage;
            _step = step;
            output.WriteLine(line);
        }
    }
}
