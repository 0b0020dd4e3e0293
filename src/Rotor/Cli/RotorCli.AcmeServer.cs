using System.CommandLine;
using Rotor.AcmeServer;
using Rotor.Core.Abstractions;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    /// <summary>
    /// <c>rotor acme-server eab create|list</c> (External Account Binding keys for devices' ACME
    /// clients), <c>rotor acme-server certificates</c> (what the ACME servers issued) and
    /// <c>rotor acme-server revoke SERIAL</c>.
    /// </summary>
    private static Command AcmeServerCommand(CliContext cli)
    {
        var cmd = new Command("acme-server", "Rotor's ACME server (kind: AcmeServer): EAB keys for devices' ACME clients, and the certificates it issued");
        var eab = new Command("eab", "External Account Binding keys: an ACME client needs one to open an account");

        var name = new Argument<string>("name") { Description = "Key name (lowercase letters, digits, '-' and '.'), e.g. the device or team it is for" };
        var create = new Command("create", "Make an EAB key and print its key id and HMAC key once (the HMAC key is stored sealed under the master key, never shown again)") { name };
        create.SetAction(async (parse, ct) =>
        {
            var keyName = parse.GetValue(name)!;
            if (EabKeys.CheckName(keyName) is { } bad) return cli.Fail(ExitCodes.InvalidInput, bad);
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            EabKeys.Created key;
            try
            {
                key = await NewEabKeys(host).CreateAsync(keyName, ct);
            }
            catch (RotorException e) when (e.Reason == RotorReasons.Conflict)
            {
                return cli.Fail(ExitCodes.InvalidInput, e.Message);
            }
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(new EabKeyJson(key.KeyId, key.HmacKey), CliJsonContext.Default.EabKeyJson);
                return ExitCodes.Ok;
            }
            cli.Error.WriteLine($"Created EAB key '{keyName}'. The HMAC key is shown once, now; give both to the device's ACME client");
            cli.Error.WriteLine("(certbot --eab-kid KEYID --eab-hmac-key HMACKEY; lego --eab --kid KEYID --hmac HMACKEY).");
            cli.Output.WriteLine($"keyID:   {key.KeyId}");
            cli.Output.WriteLine($"hmacKey: {key.HmacKey}");
            return ExitCodes.Ok;
        });

        var list = new Command("list", "List EAB keys: name, key id, created, the account each bound (never the HMAC key)");
        list.SetAction(async (parse, ct) =>
        {
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var keys = await NewEabKeys(host).ListAsync(ct);
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(keys, CliJsonContext.Default.IReadOnlyListListed);
                return ExitCodes.Ok;
            }
            var t = new Table().AddColumns("NAME", "KEY ID", "CREATED", "ACCOUNT");
            foreach (var k in keys) t.AddRow(Markup.Escape(k.Name), Markup.Escape(k.KeyId), Time(k.Created), Markup.Escape(k.Account ?? "-"));
            cli.Console.Write(t);
            return ExitCodes.Ok;
        });
        eab.Subcommands.Add(create);
        eab.Subcommands.Add(list);

        var certificates = new Command("certificates", "List the certificates Rotor's ACME servers issued, newest first: names, account, client address, expiry, revocation");
        certificates.SetAction(async (parse, ct) =>
        {
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var rows = (await host.AcmeServerStore.ListIssuedCertificatesAsync(null, ct))
                .Select(c => new AcmeServerCertificateJson(c.Server, c.SerialHex, c.Names, c.AccountId, c.ClientAddress, c.IssuedAt, c.NotAfter, c.RevokedAt, "acme-server"))
                .ToList();
            if (cli.WantsJson(parse))
            {
                cli.WriteJson(rows, CliJsonContext.Default.ListAcmeServerCertificateJson);
                return ExitCodes.Ok;
            }
            var t = new Table().AddColumns("SERVER", "NAMES", "ACCOUNT", "CLIENT", "NOT AFTER", "REVOKED", "SERIAL");
            foreach (var r in rows)
            {
                t.AddRow(Markup.Escape(r.Server), Markup.Escape(string.Join(",", r.Names)), Markup.Escape(r.Account), Markup.Escape(r.ClientAddress),
                    Time(r.NotAfter), Time(r.RevokedAt), r.Serial);
            }
            cli.Console.Write(t);
            return ExitCodes.Ok;
        });

        cmd.Subcommands.Add(eab);
        cmd.Subcommands.Add(certificates);
        cmd.Subcommands.Add(AcmeServerRevokeCommand(cli));
        return cmd;
    }

    /// <summary><c>rotor acme-server revoke SERIAL [--reason R]</c>: an operator revokes what a device got, without the device's account.</summary>
    private static Command AcmeServerRevokeCommand(CliContext cli)
    {
        var serial = new Argument<string>("serial") { Description = "Serial in hex as 'rotor acme-server certificates' shows it (colons and leading zeros ignored)" };
        var reason = new Option<string>("--reason") { Description = "RFC 5280 CRLReason: a code 0-10 (not 7) or a name such as keyCompromise, superseded, cessationOfOperation", DefaultValueFactory = _ => "0" };
        var revoke = new Command("revoke", "Revoke a certificate Rotor's ACME server issued: the backing issuer is told and the inventory records it") { serial, reason };
        revoke.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(reason)!;
            if (AcmeServerRevocation.ParseReason(text) is not { } code)
            {
                return cli.Fail(ExitCodes.InvalidInput, $"--reason: '{text}' is not an RFC 5280 CRLReason (a code 0 to 10 but 7, or its name such as keyCompromise)");
            }
            var wanted = parse.GetValue(serial)!;
            if (wanted.Replace(":", "", StringComparison.Ordinal).Length == 0 || !wanted.Replace(":", "", StringComparison.Ordinal).All(Uri.IsHexDigit))
            {
                return cli.Fail(ExitCodes.InvalidInput, $"serial: '{wanted}' is not a hexadecimal serial number");
            }
            using var loggers = cli.CreateLoggers(parse);
            await using var host = await cli.OpenHostAsync(parse, loggers, ct, Storage.DataFolderUse.Existing);
            var record = await AcmeServerRevocation.FindAsync(host, wanted, ct);
            if (record is null) return cli.Fail(ExitCodes.NotFound, $"no ACME server issued a certificate with serial {wanted} (see 'rotor acme-server certificates')");
            if (record.RevokedAt is { } at) return cli.Fail(ExitCodes.InvalidInput, $"serial {record.SerialHex} was revoked already, at {at:u}");
            var resource = await host.Store.GetResourceAsync(Core.Resources.ResourceKinds.AcmeServer, record.Server, ct);
            if (resource is null) return cli.Fail(ExitCodes.NotFound, $"AcmeServer '{record.Server}' that issued serial {record.SerialHex} no longer exists, so its issuer is unknown");
            var spec = Storage.SpecSerializer.SpecOf<Core.Resources.AcmeServerSpec>(resource);
            try
            {
                if (!await AcmeServerRevocation.RevokeAsync(host, loggers.CreateLogger("Rotor.AcmeServer"), spec, record, code, "rotor acme-server revoke", ct))
                {
                    return cli.Fail(ExitCodes.InvalidInput, $"serial {record.SerialHex} was revoked already");
                }
            }
            catch (RotorException e)
            {
                return cli.Fail(ExitCodes.Failed, $"revoking serial {record.SerialHex} failed: {e.Message}");
            }
            cli.Error.WriteLine($"Revoked serial {record.SerialHex} ({string.Join(", ", record.Names)}) of ACME server '{record.Server}', reason {code}.");
            return ExitCodes.Ok;
        });
        return revoke;
    }

    private static EabKeys NewEabKeys(RotorHost host) => new(host.AcmeServerStore, host.Store, host.Secrets, host.Time);
}
