// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Security.Cryptography;

namespace Cairn.Verification;

/// <summary>
/// Signs states with an ECDSA P-256 key the way immudb's server does: DER signature over SHA-256 of
/// <see cref="ImmutableState.SigningBytes"/>, public key as an uncompressed point.
/// </summary>
public sealed class StateSigner : IDisposable
{
    private readonly ECDsa _key;

    private StateSigner(ECDsa key)
    {
        var parameters = key.ExportParameters(false);
        if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            key.Dispose();
            throw new ArgumentException("The signing key must be an ECDSA key on NIST P-256 (prime256v1).");
        }

        _key = key;
        PublicKey = StatePublicKey.Encode(parameters);
    }

    /// <summary>The public key, 0x04 || X || Y.</summary>
    public byte[] PublicKey { get; }

    /// <summary>A signer with a new random key (tests, and servers told to generate one).</summary>
    public static StateSigner Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>A signer from a PEM private key ("EC PRIVATE KEY" as openssl ecparam writes it, or PKCS#8).</summary>
    /// <exception cref="ArgumentException">The PEM holds no P-256 private key.</exception>
    public static StateSigner FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new ArgumentException("The signing key PEM holds no readable ECDSA private key.", nameof(pem), e);
        }

        return new StateSigner(key);
    }

    /// <summary>The private key as PKCS#8 PEM, to save a generated key.</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>The public key as SubjectPublicKeyInfo PEM, to hand to clients.</summary>
    public string ExportPublicKeyPem() => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The state with this signer's signature.</summary>
    public ImmutableState Sign(ImmutableState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Span<byte> hash = stackalloc byte[Digest.Size];
        SHA256.HashData(state.SigningBytes(), hash);
        var signature = _key.SignHash(hash, DSASignatureFormat.Rfc3279DerSequence);
        return state with { Signature = new StateSignature((byte[])PublicKey.Clone(), signature) };
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

/// <summary>Reads and checks state signatures against a trusted public key.</summary>
public static class StatePublicKey
{
    /// <summary>Length of an uncompressed P-256 point.</summary>
    public const int Size = 65;

    /// <summary>The uncompressed point of a public key given as SubjectPublicKeyInfo PEM ("PUBLIC KEY").</summary>
    /// <exception cref="ArgumentException">The PEM holds no P-256 public key.</exception>
    public static byte[] FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("The PEM holds no readable ECDSA public key.", nameof(pem), e);
        }

        var parameters = key.ExportParameters(false);
        if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new ArgumentException("The public key must be on NIST P-256 (prime256v1).", nameof(pem));
        }

        return Encode(parameters);
    }

    /// <summary>
    /// Checks that <paramref name="state"/> carries a valid signature by <paramref name="trustedPublicKey"/>.
    /// The key inside the signature must be the trusted one: a server cannot vouch for itself.
    /// </summary>
    /// <exception cref="IntegrityException">No signature, another key, or a signature that does not verify.</exception>
    public static void Verify(ImmutableState state, ReadOnlySpan<byte> trustedPublicKey)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Signature is null)
        {
            IntegrityException.Throw(IntegrityFailure.Signature, $"The state of '{state.Database}' at tx {state.TxId} is not signed, but a server key is trusted.");
        }

        if (!trustedPublicKey.SequenceEqual(state.Signature.PublicKey))
        {
            IntegrityException.Throw(IntegrityFailure.Signature, $"The state of '{state.Database}' at tx {state.TxId} is signed by another key than the trusted one.");
        }

        bool valid;
        try
        {
            var key = ImportCached(trustedPublicKey);
            Span<byte> hash = stackalloc byte[Digest.Size];
            SHA256.HashData(state.SigningBytes(), hash);
            valid = key.VerifyHash(hash, state.Signature.Signature, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            valid = false;
        }

        if (!valid)
        {
            IntegrityException.Throw(IntegrityFailure.Signature, $"The signature of the state of '{state.Database}' at tx {state.TxId} does not verify.");
        }
    }

    internal static byte[] Encode(ECParameters parameters)
    {
        var point = new byte[Size];
        point[0] = 0x04;
        parameters.Q.X.AsSpan().CopyTo(point.AsSpan(1));
        parameters.Q.Y.AsSpan().CopyTo(point.AsSpan(33));
        return point;
    }

    // Importing a key costs twice the verification itself; clients check one server key over and over.
    [ThreadStatic]
    private static (byte[] Point, ECDsa Key)? t_lastKey;

    private static ECDsa ImportCached(ReadOnlySpan<byte> point)
    {
        if (t_lastKey is { } cached && cached.Point.AsSpan().SequenceEqual(point))
        {
            return cached.Key;
        }

        var key = Import(point);
        t_lastKey?.Key.Dispose();
        t_lastKey = (point.ToArray(), key);
        return key;
    }

    private static ECDsa Import(ReadOnlySpan<byte> point)
    {
        if (point.Length != Size || point[0] != 0x04)
        {
            throw new CryptographicException("Not an uncompressed P-256 point.");
        }

        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33].ToArray(), Y = point[33..].ToArray() },
        });
    }
}
