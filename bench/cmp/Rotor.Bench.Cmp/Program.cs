using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Rotor.Cmp;
using Rotor.Cmp.Protection;
using Rotor.Cmp.Transport;

// Runs N ir/ip/certConf/pkiConf transactions one after the other against one CMP server and
// prints the wall time of the N (after one warm-up transaction that is not counted).
// Usage: Rotor.Bench.Cmp URL KEY-PEM COUNT ITERATIONS   (secret from MOCK_CA_SECRET, reference 3078)
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: Rotor.Bench.Cmp URL KEY-PEM COUNT PBM-ITERATIONS");
    return 2;
}
var url = new Uri(args[0]);
using var key = ECDsa.Create();
key.ImportFromPem(File.ReadAllText(args[1]));
var count = int.Parse(args[2], CultureInfo.InvariantCulture);
var iterations = int.Parse(args[3], CultureInfo.InvariantCulture);
var secret = Environment.GetEnvironmentVariable("MOCK_CA_SECRET") ?? throw new InvalidOperationException("MOCK_CA_SECRET is not set");

using var transport = new CmpHttpTransport();
var client = new CmpClient(new CmpServerGroup(url), transport);
using var protection = CmpProtection.SharedSecret("3078", Encoding.UTF8.GetBytes(secret), iterations);
var request = new CmpCertificateRequest { Subject = new X500DistinguishedName("CN=sbc.example.com"), Key = key };

var warmup = Stopwatch.StartNew();
(await client.InitialRequestAsync(request, protection, CancellationToken.None)).Certificate.Dispose();
warmup.Stop();

var clock = Stopwatch.StartNew();
for (var i = 0; i < count; i++)
{
    using var result = (await client.InitialRequestAsync(request, protection, CancellationToken.None)).Certificate;
}
clock.Stop();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rotor_ms={clock.Elapsed.TotalMilliseconds:0} warmup_ms={warmup.Elapsed.TotalMilliseconds:0}"));
return 0;
