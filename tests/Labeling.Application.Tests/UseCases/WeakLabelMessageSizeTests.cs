using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;

namespace Labeling.Application.Tests.UseCases;

/// <summary>
/// A weak-labeling message of the largest batch the options allow fits an Azure Storage queue message (64 KB, Base64 as
/// the Functions queue trigger reads them); the local queue has no limit, so only this catches a batch size that works on
/// one machine and fails every send on Azure.
/// </summary>
public sealed class WeakLabelMessageSizeTests
{
    private const int AzureQueueMessageBytes = 64 * 1024;

    [Fact]
    public void LargestBatch_WithTheLongestProjectId_FitsAnAzureQueueMessage()
    {
        var project = new string('p', 64);
        var ids = Enumerable.Range(0, LabelingOptions.MaxWeakLabelBatchSize).Select(i => Item.IdFor(project, i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture))).ToArray();

        var payload = JsonSerializer.Serialize(new WeakLabelMessage(project, ids), LabelingJson.Options);

        Assert.InRange(Convert.ToBase64String(Encoding.UTF8.GetBytes(payload)).Length, 1, AzureQueueMessageBytes);
    }

    [Theory]
    [InlineData(LabelingOptions.MaxWeakLabelBatchSize, true)]
    [InlineData(LabelingOptions.MaxWeakLabelBatchSize + 1, false)]
    [InlineData(0, false)]
    public void BatchSize_IsRefusedPastTheLargestThatFits(int size, bool valid)
    {
        var options = new LabelingOptions { WeakLabelBatchSize = size };

        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
    }
}
