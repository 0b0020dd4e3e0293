using System.CommandLine;
using Rotor.AcmeServer;
using Rotor.Core.Abstractions;
using Spectre.Console;

namespace Rotor.Cli;

public static partial class RotorCli
{
    /// <summary>
    /// <c>rotor acme-server eab create|list</c> (External Account Binding keys for devices' ACME
    /// clients) and <c>rotor acme-server certificates</c> (what the ACME servers issued).
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
        return cmd;
    }

    private static EabKeys NewEabKeys(RotorHost host) => new(host.AcmeServerStore, host.Store, host.Secrets, host.Time);
}
