using System.Globalization;
using System.Reflection;
using Labeling.Server.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Labeling.Server.Tests.Hosting;

/// <summary>
/// The server's appsettings.json spells out its settings for whoever opens it; each value it gives must be the options
/// class's own default, which the README's configuration table documents. Before this test the file still held the event
/// back-off of an early version (8 attempts, 1 s to 5 min) after the class moved to 12 attempts, 5 s to 1 h, and the
/// running server used the file's.
/// </summary>
public sealed class AppSettingsDefaultsTests
{
    public static TheoryData<string, Type> Sections()
    {
        var data = new TheoryData<string, Type>();
        foreach (var (section, options) in UnknownSettings.Sections)
        {
            foreach (var type in options)
            {
                data.Add(section, type);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void AppSettingsJson_SectionValues_AreTheOptionsDefaults(string section, Type options)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryPaths.ServerProject(), "appsettings.json"), optional: false)
            .Build()
            .GetSection(section);
        var defaults = Activator.CreateInstance(options)!;
        var bound = Activator.CreateInstance(options)!;
        configuration.Bind(bound);
        var compared = 0;
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite))
        {
            if (!configuration.GetSection(property.Name).Exists() || !IsScalar(property.PropertyType))
            {
                continue;
            }

            compared++;
            var expected = Convert.ToString(property.GetValue(defaults), CultureInfo.InvariantCulture);
            var actual = Convert.ToString(property.GetValue(bound), CultureInfo.InvariantCulture);
            Assert.True(expected == actual, $"appsettings.json sets {section}:{property.Name} to {actual}; {options.Name}'s default is {expected}.");
        }

        Assert.True(compared > 0 || !configuration.Exists(), $"No scalar value of section {section} was compared.");
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal);
    }
}
