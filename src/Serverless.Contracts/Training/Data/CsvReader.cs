using Sylvan.Data.Csv;

namespace Serverless.Training.Data;

/// <summary>
/// RFC 4180 CSV through Sylvan.Data.Csv: comma-separated, fields optionally in double quotes, "" for a quote inside a quoted
/// field, quoted fields may span lines, CRLF or LF line ends. Blank lines between records are skipped. A quote inside an
/// unquoted field is kept as text (as spreadsheets write it); text after a closing quote, or a quote left open, is an error.
/// What this class adds is the dataset's own errors: every one names the line a record starts on, and says how to fix it.
/// </summary>
public static class CsvReader
{
    /// <summary>Reads the header row and every data row.</summary>
    /// <exception cref="DatasetException">The text is not well-formed CSV.</exception>
    public static (IReadOnlyList<string> Header, IReadOnlyList<CsvRecord> Rows) Read(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<CsvRecord>();
        var line = 1;
        var options = new CsvDataReaderOptions
        {
            HasHeaders = false,
            Delimiter = ',',
            // A record can never be larger than the text, and the text is in memory already.
            MaxBufferSize = Math.Max(0x10000, text.Length + 1),
        };
        try
        {
            using var reader = CsvDataReader.Create(new StringReader(text), options);
            while (reader.Read())
            {
                var fields = new string[reader.RowFieldCount];
                var breaks = 0;
                for (var i = 0; i < fields.Length; i++)
                {
                    fields[i] = reader.GetString(i);
                    breaks += LineBreaks(fields[i]);
                }

                // Every record ends one line, and a field's own line breaks add to it; a blank line is a record of one
                // empty field.
                if (fields.Length > 1 || fields[0].Length > 0)
                {
                    records.Add(new CsvRecord(records.Count, line, fields));
                }

                line += 1 + breaks;
            }
        }
        catch (Exception ex) when (ex is CsvFormatException or CsvRecordTooLargeException)
        {
            throw new DatasetException(
                $"{source}: line {line}: {ex.Message} Close every quoted field with a double quote, write a quote inside a quoted field as two (\"\"), and quote the whole field, not part of it.");
        }

        if (records.Count == 0)
        {
            return ([], []);
        }

        var header = records[0].Fields;
        for (var i = 1; i < records.Count; i++)
        {
            if (records[i].Fields.Count != header.Count)
            {
                throw new DatasetException(
                    $"{source}: row {records[i].Row} (line {records[i].Line}) has {records[i].Fields.Count} fields but the header has {header.Count}. Quote fields that contain commas or line breaks.");
            }
        }

        return (header, records.Skip(1).ToArray());
    }

    /// <summary>Line breaks in a field's text: CRLF, LF or CR, each counted once.</summary>
    private static int LineBreaks(string field)
    {
        var count = 0;
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\n' || (field[i] == '\r' && (i + 1 == field.Length || field[i + 1] != '\n')))
            {
                count++;
            }
        }

        return count;
    }
}
