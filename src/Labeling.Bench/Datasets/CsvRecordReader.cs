namespace Labeling.Bench.Datasets;

/// <summary>
/// A forward-only RFC 4180 reader: comma-separated fields, double-quoted fields that may hold
/// commas, doubled quotes and line breaks, and LF or CRLF record ends. Fields are exposed as
/// spans into a reused buffer so that a million-row file costs no allocation per field; the
/// caller decides which fields become strings.
/// </summary>
internal sealed class CsvRecordReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly string _path;
    private readonly char[] _buffer = new char[1 << 16];
    private readonly List<(int Start, int Length)> _fields = new(4);
    private char[] _record = new char[256];
    private int _recordLength;
    private int _position;
    private int _length;
    private int _line = 1;

    public CsvRecordReader(TextReader reader, string path)
    {
        _reader = reader;
        _path = path;
    }

    /// <summary>The 1-based physical line on which the current record starts.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Number of fields in the current record.</summary>
    public int FieldCount => _fields.Count;

    /// <summary>The unescaped text of field <paramref name="index"/> of the current record.</summary>
    public ReadOnlySpan<char> this[int index] => _record.AsSpan(_fields[index].Start, _fields[index].Length);

    /// <summary>Whether the current record is an empty line.</summary>
    public bool IsBlank => _fields.Count == 1 && _fields[0].Length == 0;

    /// <summary>Advances to the next record; false at the end of the input.</summary>
    /// <exception cref="DatasetFormatException">A quoted field is not closed, or text follows a closing quote.</exception>
    public bool Read()
    {
        _fields.Clear();
        _recordLength = 0;
        LineNumber = _line;
        if (Peek() < 0) return false;
        while (true)
        {
            var start = _recordLength;
            var c = Next();
            if (c == '"')
            {
                ReadQuoted();
                c = Next();
                if (c is not (',' or '\r' or '\n' or -1))
                    throw new DatasetFormatException(_path, _line, $"unexpected '{(char)c}' after a closing quote; double a quote inside a quoted field (\"\")");
            }
            else
            {
                while (c is not (',' or '\r' or '\n' or -1))
                {
                    Append((char)c);
                    c = Next();
                }
            }
            _fields.Add((start, _recordLength - start));
            if (c == ',') continue;
            if (c == '\r' && Peek() == '\n') Next();
            if (c is '\r' or '\n') _line++;
            return true;
        }
    }

    public void Dispose() => _reader.Dispose();

    private void ReadQuoted()
    {
        var opened = _line;
        while (true)
        {
            var c = Next();
            if (c < 0) throw new DatasetFormatException(_path, opened, "a quoted field is never closed");
            if (c == '"')
            {
                if (Peek() != '"') return;
                Next();
            }
            else if (c == '\n')
            {
                _line++;
            }
            Append((char)c);
        }
    }

    private void Append(char c)
    {
        if (_recordLength == _record.Length) Array.Resize(ref _record, _record.Length * 2);
        _record[_recordLength++] = c;
    }

    private int Peek()
    {
        if (_position == _length && !Fill()) return -1;
        return _buffer[_position];
    }

    private int Next()
    {
        if (_position == _length && !Fill()) return -1;
        return _buffer[_position++];
    }

    private bool Fill()
    {
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
