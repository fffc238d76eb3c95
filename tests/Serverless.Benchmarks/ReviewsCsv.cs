using System.Text;

namespace Serverless.Benchmarks;

/// <summary>Reads the review column of the Amazon Fine Food CSV files (RFC 4180: quoted fields, doubled quotes, newlines).</summary>
internal static class ReviewsCsv
{
    /// <summary>
    /// shared/data/fine_foods_testing_data.csv in the nearest folder above the repository that has it (the repository's
    /// ../shared when present), else that path relative to the working directory.
    /// </summary>
    public static string DefaultPath()
    {
        const string relative = "shared/data/fine_foods_testing_data.csv";
        for (var directory = Repository.FindRoot()?.Parent; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.GetFullPath(Path.Combine("..", relative));
    }

    public static IReadOnlyList<string> ReadColumn(string path, string column)
    {
        var rows = Parse(File.ReadAllText(path)).ToList();
        var index = rows.Count > 0 ? rows[0].IndexOf(column) : -1;
        if (index < 0)
        {
            throw new InvalidDataException($"{path} has no '{column}' column in its header.");
        }

        return [.. rows.Skip(1).Where(r => r.Count > index).Select(r => r[index])];
    }

    private static IEnumerable<List<string>> Parse(string text)
    {
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                row.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                yield return row;
                row = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            yield return row;
        }
    }
}
