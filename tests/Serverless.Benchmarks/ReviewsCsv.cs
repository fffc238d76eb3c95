using System.Text;

namespace Serverless.Benchmarks;

/// <summary>Reads the review column of the Amazon Fine Food CSV files (RFC 4180: quoted fields, doubled quotes, newlines).</summary>
internal static class ReviewsCsv
{
    /// <summary>../shared/data/fine_foods_testing_data.csv beside the repository, found from the working directory up.</summary>
    public static string DefaultPath()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Serverless.sln")))
            {
                return Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "data", "fine_foods_testing_data.csv"));
            }
        }

        return Path.GetFullPath(Path.Combine("..", "shared", "data", "fine_foods_testing_data.csv"));
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
