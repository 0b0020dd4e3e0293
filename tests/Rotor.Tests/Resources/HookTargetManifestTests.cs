using Rotor.Core.Resources;

namespace Rotor.Tests.Resources;

/// <summary>The exec and webhook targets as manifests write them: what is read, and each refused field by name and rule.</summary>
public class HookTargetManifestTests
{
    private static ManifestParseResult Target(string body) =>
        ManifestParser.Parse($"apiVersion: rotor/v1\nkind: Target\nmetadata: {{name: t}}\nspec:\n  {body}\n", "m.yaml");

    [Fact]
    public void An_exec_target_with_a_shell_command_reads_its_defaults()
    {
        var result = Target("exec: {command: /etc/letsencrypt/renewal-hooks/deploy/sbc.sh}");

        Assert.Empty(result.Errors);
        var spec = result.Resources[0].AsTarget();
        Assert.Equal(TargetKind.Exec, spec.Kind);
        Assert.Equal("/etc/letsencrypt/renewal-hooks/deploy/sbc.sh", spec.Exec!.Command);
        Assert.Null(spec.Exec.Arguments);
        Assert.Equal(TimeSpan.FromSeconds(60), spec.Exec.Timeout);
        Assert.Equal([HookSteps.Activate, HookSteps.Rollback], spec.Exec.Steps);
        Assert.Empty(spec.Exec.Env);
    }

    [Fact]
    public void An_exec_target_with_a_command_list_runs_it_without_a_shell()
    {
        var result = Target("exec: {command: [/usr/local/bin/hand-off, --peer, sbc-b], env: [SSH_AUTH_SOCK], timeout: 2m, steps: [stage, activate, rollback, retire, inspect]}");

        Assert.Empty(result.Errors);
        var exec = result.Resources[0].AsTarget().Exec!;
        Assert.Null(exec.Command);
        Assert.Equal(["/usr/local/bin/hand-off", "--peer", "sbc-b"], exec.Arguments);
        Assert.Equal(["SSH_AUTH_SOCK"], exec.Env);
        Assert.Equal(TimeSpan.FromMinutes(2), exec.Timeout);
        Assert.Equal(5, exec.Steps.Count);
    }

    [Theory]
    [InlineData("exec: {command: x, env: [ROTOR_MASTER_KEY]}", "environment-secret", "spec.exec.env")]
    [InlineData("exec: {command: x, env: [\"1BAD\"]}", "environment-name", "spec.exec.env")]
    [InlineData("exec: {command: x, steps: [deploy]}", "hook-step", "spec.exec.steps")]
    [InlineData("exec: {command: x, timeout: 0s}", "positive", "spec.exec.timeout")]
    [InlineData("exec: {command: x, shell: bash}", "unknown-field", "spec.exec.shell")]
    [InlineData("exec: {env: [A]}", "required", "spec.exec.command")]
    [InlineData("webhook: {url: \"http://h/x\", secretRef: {env: K}, includePrivateKey: true}", "https-only", "spec.webhook.includePrivateKey")]
    [InlineData("webhook: {url: \"https://h/x\"}", "required", "spec.webhook.secretRef")]
    [InlineData("webhook: {url: \"https://h/x\", secretRef: inline}", "secret-by-reference", "spec.webhook.secretRef")]
    [InlineData("webhook: {url: \"ftp://h/x\", secretRef: {env: K}}", "url", "spec.webhook.url")]
    [InlineData("webhook: {url: \"https://h/x\", secretRef: {env: K}, attempts: 0}", "attempts-range", "spec.webhook.attempts")]
    [InlineData("webhook: {url: \"https://h/x\", secretRef: {env: K}, steps: [inspect]}", "hook-step", "spec.webhook.steps")]
    public void A_bad_field_is_named_with_its_rule(string body, string rule, string field)
    {
        var result = Target(body);

        Assert.Contains(result.Errors, e => e.Rule == rule && e.Field == field);
    }

    [Fact]
    public void A_webhook_target_reads_url_secret_and_key_opt_in_over_https()
    {
        var result = Target("webhook: {url: \"https://nice-handoff.example.test/rotor\", secretRef: {file: hook.key}, includePrivateKey: true, caBundle: ca.pem, timeout: 5s, attempts: 4}");

        Assert.Empty(result.Errors);
        var hook = result.Resources[0].AsTarget().Webhook!;
        Assert.Equal("https://nice-handoff.example.test/rotor", hook.Url);
        Assert.Equal("hook.key", hook.SecretRef.File);
        Assert.True(hook.IncludePrivateKey);
        Assert.Equal("ca.pem", hook.CaBundle);
        Assert.Equal((TimeSpan.FromSeconds(5), 4), (hook.Timeout, hook.Attempts));
        Assert.Equal([HookSteps.Activate, HookSteps.Rollback], hook.Steps);
    }

    [Fact]
    public void A_webhook_target_never_sends_the_key_unless_asked()
    {
        var hook = Target("webhook: {url: \"https://h/x\", secretRef: {env: K}}").Resources[0].AsTarget().Webhook!;

        Assert.False(hook.IncludePrivateKey);
    }
}
