using System.Globalization;
using Labeling.Adapters.Local;
using Labeling.Adapters.Local.Auth;
using Labeling.Application.Http;

namespace Labeling.Server;

/// <summary>
/// <c>token --role labeler --sub alice [--role reviewer] [--hours 8] [--data DIR]</c>: prints a signed
/// bearer token for the server using the same data folder (the key is created there if needed).
/// </summary>
internal static class TokenCommand
{
    private static readonly double MinHours = TimeSpan.Parse(LocalAuthOptions.MinTokenLifetime, CultureInfo.InvariantCulture).TotalHours;
    private static readonly double MaxHours = TimeSpan.Parse(LocalAuthOptions.MaxTokenLifetime, CultureInfo.InvariantCulture).TotalHours;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var roles = new List<string>();
        string? subject = null;
        TimeSpan? lifetime = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--role" when value is not null:
                    var role = LabelingRoles.All.FirstOrDefault(r => string.Equals(r, value, StringComparison.OrdinalIgnoreCase));
                    if (role is null)
                    {
                        error.WriteLine($"Unknown role '{value}'. Use one of: {string.Join(", ", LabelingRoles.All).ToLowerInvariant()}.");
                        return 2;
                    }

                    roles.Add(role);
                    i++;
                    break;
                case "--sub" when value is not null:
                    subject = value;
                    i++;
                    break;
                case "--hours" when value is not null:
                    // The range LocalAuth:TokenLifetime allows.
                    if (!double.TryParse(value, CultureInfo.InvariantCulture, out var hours) || !(hours >= MinHours && hours <= MaxHours))
                    {
                        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--hours must be a number from {MinHours:0.####} (one minute) to {MaxHours} (a year); got '{value}'."));
                        return 2;
                    }

                    lifetime = TimeSpan.FromHours(hours);
                    i++;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (roles.Count == 0 || string.IsNullOrWhiteSpace(subject))
        {
            error.WriteLine("Usage: token --role labeler|reviewer|admin [--role ...] --sub NAME [--hours N] [--data DIR]");
            return 2;
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. rest], LocalStorageOptions.SwitchMappings)
            .Build();
        var storage = configuration.GetSection(LocalStorageOptions.SectionName).Get<LocalStorageOptions>() ?? new LocalStorageOptions();
        var auth = configuration.GetSection(LocalAuthOptions.SectionName).Get<LocalAuthOptions>() ?? new LocalAuthOptions();
        LocalSigningKey key;
        // On standard error: the token is the last line of standard output, which scripts take.
        using (var logs = LoggerFactory.Create(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)))
        {
            try
            {
                key = LocalSigningKey.LoadOrCreate(Path.Combine(storage.FullDataDirectory, auth.KeyFile), logs.CreateLogger<LocalSigningKey>());
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"No token: {ex.Message}");
                return 1;
            }
        }

        output.WriteLine(new LocalTokenIssuer(key, auth, TimeProvider.System).Mint(subject, roles, lifetime));
        return 0;
    }
}
