using System.Buffers;
using System.Text;

namespace Serverless.Inference.Tokenization;

/// <summary>A growable character buffer rented from the shared pool, so tokenizing a text allocates no per-token strings.</summary>
internal ref struct PooledChars
{
    private char[] _array;

    public PooledChars(int capacity)
    {
        _array = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 16));
        Length = 0;
    }

    public int Length { get; set; }

    public readonly ReadOnlySpan<char> Span => _array.AsSpan(0, Length);

    public void Append(char c)
    {
        if (Length == _array.Length)
        {
            Grow(1);
        }

        _array[Length++] = c;
    }

    public void Append(Rune rune)
    {
        if (Length + 2 > _array.Length)
        {
            Grow(2);
        }

        Length += rune.EncodeToUtf16(_array.AsSpan(Length));
    }

    public void Append(scoped ReadOnlySpan<char> chars)
    {
        if (Length + chars.Length > _array.Length)
        {
            Grow(chars.Length);
        }

        chars.CopyTo(_array.AsSpan(Length));
        Length += chars.Length;
    }

    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(_array);
        _array = [];
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_array.Length * 2, Length + needed));
        _array.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_array);
        _array = larger;
    }
}
