// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

namespace Cairn.Storage.Log;

/// <summary>Where a record lies: segment number, byte offset in it, and length.</summary>
internal readonly record struct LogPosition(uint Segment, long Offset, int Length);
