// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using Grpc.Core;

namespace Cairn.Server.Tests;

/// <summary>One server for a whole test class; tests keep to their own keys or databases.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public Metadata Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync();
        Admin = await Server.LoginAsync();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
