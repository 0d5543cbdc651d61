// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Collections;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Cairn.Client.Tests.Support;

/// <summary>One change to one field of a reply: where (<see cref="Path"/>, e.g. <c>dualProof.inclusionProof[1]</c>), what, and how.</summary>
internal sealed partial record ReplyMutation(string Path, string Op, Action Apply)
{
    /// <summary>The path without element indexes (<c>dualProof.inclusionProof[]</c>), for classification.</summary>
    public string Field => Indexes().Replace(Path, "[]");

    public override string ToString() => $"{Op} {Path}";

    [GeneratedRegex(@"\[\d+\]", RegexOptions.CultureInvariant)]
    private static partial Regex Indexes();
}

/// <summary>
/// Every single-field change that can be made to a protobuf reply, found by walking the message with protobuf
/// reflection so that no field is forgotten: flip one bit of a bytes field or of a term, remove or add a term,
/// +1 or xor a bit of a number, toggle a bool, change a string, drop a message, add an absent one, remove, duplicate
/// or swap elements of a repeated message.
/// </summary>
internal static class ReplyMutations
{
    public static List<ReplyMutation> All(IMessage reply, Random random)
    {
        var result = new List<ReplyMutation>();
        Walk(reply, string.Empty, random, result);
        return result;
    }

    private static void Walk(IMessage message, string prefix, Random random, List<ReplyMutation> result)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            string path = prefix + field.Name;
            if (field.IsMap)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                AddInsert(list, field, path, random, result);
                for (int i = 0; i < list.Count; i++)
                {
                    int index = i;
                    string element = $"{path}[{i}]";
                    result.Add(new(element, "remove", () => list.RemoveAt(index)));
                    if (field.FieldType == FieldType.Message)
                    {
                        if (list.Count > 1)
                        {
                            int other = index == 0 ? 1 : index - 1;
                            result.Add(new(element, "swap", () => (list[index], list[other]) = (list[other], list[index])));
                        }

                        Walk((IMessage)list[i]!, element + ".", random, result);
                    }
                    else if (field.FieldType == FieldType.Bytes && ((ByteString)list[i]!).Length > 0)
                    {
                        var (at, bit) = (random.Next(((ByteString)list[i]!).Length), random.Next(8));
                        result.Add(new(element, $"flip byte {at} bit {bit}", () => list[index] = Flip((ByteString)list[index]!, at, bit)));
                    }
                }

                continue;
            }

            object? value = field.Accessor.GetValue(message);
            switch (field.FieldType)
            {
                case FieldType.Message:
                    if (value is IMessage child)
                    {
                        result.Add(new(path, "remove", () => field.Accessor.Clear(message)));
                        Walk(child, path + ".", random, result);
                    }
                    else
                    {
                        var added = NewWithFirstField(field.MessageType, random);
                        result.Add(new(path, "add", () => field.Accessor.SetValue(message, added)));
                    }

                    break;
                case FieldType.Bytes:
                    var bytes = (ByteString)value!;
                    if (bytes.Length > 0)
                    {
                        var (at, bit) = (random.Next(bytes.Length), random.Next(8));
                        result.Add(new(path, $"flip byte {at} bit {bit}", () => field.Accessor.SetValue(message, Flip(bytes, at, bit))));
                    }

                    break;
                case FieldType.Bool:
                    result.Add(new(path, "toggle", () => field.Accessor.SetValue(message, !(bool)value!)));
                    break;
                case FieldType.String:
                    result.Add(new(path, "append", () => field.Accessor.SetValue(message, (string)value! + "x")));
                    break;
                case FieldType.Enum:
                    break;
                default:
                    AddNumber(message, field, value!, path, random, result);
                    break;
            }
        }
    }

    private static void AddNumber(IMessage message, FieldDescriptor field, object value, string path, Random random, List<ReplyMutation> result)
    {
        switch (value)
        {
            case ulong u:
                int ub = random.Next(64);
                result.Add(new(path, "+1", () => field.Accessor.SetValue(message, u + 1)));
                result.Add(new(path, $"xor bit {ub}", () => field.Accessor.SetValue(message, u ^ (1UL << ub))));
                break;
            case long l:
                int lb = random.Next(64);
                result.Add(new(path, "+1", () => field.Accessor.SetValue(message, l + 1)));
                result.Add(new(path, $"xor bit {lb}", () => field.Accessor.SetValue(message, l ^ (1L << lb))));
                break;
            case int i:
                int ib = random.Next(32);
                result.Add(new(path, "+1", () => field.Accessor.SetValue(message, i + 1)));
                result.Add(new(path, $"xor bit {ib}", () => field.Accessor.SetValue(message, i ^ (1 << ib))));
                break;
            case uint ui:
                int uib = random.Next(32);
                result.Add(new(path, "+1", () => field.Accessor.SetValue(message, ui + 1)));
                result.Add(new(path, $"xor bit {uib}", () => field.Accessor.SetValue(message, ui ^ (1U << uib))));
                break;
            case double d:
                result.Add(new(path, "+1", () => field.Accessor.SetValue(message, d + 1)));
                break;
            case float f:
                result.Add(new(path, "+1", () => field.Accessor.SetValue(message, f + 1)));
                break;
            default:
                throw new InvalidOperationException($"{path}: {value.GetType()}");
        }
    }

    private static void AddInsert(IList list, FieldDescriptor field, string path, Random random, List<ReplyMutation> result)
    {
        int at = random.Next(list.Count + 1);
        switch (field.FieldType)
        {
            case FieldType.Bytes:
                var term = ByteString.CopyFrom(RandomBytes(random, 32));
                result.Add(new($"{path}[{at}]", "add term", () => list.Insert(at, term)));
                break;
            case FieldType.Message when list.Count > 0:
                int copied = random.Next(list.Count);
                var original = (IMessage)list[copied]!;
                var copy = original.Descriptor.Parser.ParseFrom(original.ToByteString());
                result.Add(new($"{path}[{at}]", $"add copy of [{copied}]", () => list.Insert(at, copy)));
                break;
            case FieldType.Message:
                var added = NewWithFirstField(field.MessageType, random);
                result.Add(new($"{path}[{at}]", "add", () => list.Insert(at, added)));
                break;
            default:
                break;
        }
    }

    // A message that is not all defaults (an all-default message says the same as an absent one): its first field set.
    private static IMessage NewWithFirstField(MessageDescriptor type, Random random)
    {
        var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
        var first = type.Fields.InFieldNumberOrder()[0];
        if (first.IsRepeated)
        {
            var list = (IList)first.Accessor.GetValue(message);
            list.Add(first.FieldType == FieldType.Message ? NewWithFirstField(first.MessageType, random) : ByteString.CopyFrom(RandomBytes(random, 32)));
            return message;
        }

        object value = first.FieldType switch
        {
            FieldType.Message => NewWithFirstField(first.MessageType, random),
            FieldType.Bool => true,
            FieldType.Bytes => ByteString.CopyFrom(RandomBytes(random, 32)),
            FieldType.String => "x",
            FieldType.UInt64 or FieldType.Fixed64 => 1UL,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 1L,
            FieldType.UInt32 or FieldType.Fixed32 => 1U,
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 1,
            FieldType.Double => 1d,
            _ => throw new InvalidOperationException($"{type.Name}.{first.Name}: {first.FieldType}"),
        };
        first.Accessor.SetValue(message, value);
        return message;
    }

    private static ByteString Flip(ByteString bytes, int at, int bit)
    {
        var copy = bytes.ToByteArray();
        copy[at] ^= (byte)(1 << bit);
        return ByteString.CopyFrom(copy);
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
