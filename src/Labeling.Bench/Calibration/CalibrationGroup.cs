namespace Labeling.Bench.Calibration;

/// <summary>Where an item's label and confidence come from, for the calibration report's rows.</summary>
internal enum CalibrationGroup
{
    /// <summary>Decided by the crowd: its confidence reached the crowd target (or a re-fit's revision reached it).</summary>
    Crowd,

    /// <summary>Decided otherwise: by machines, as gold, or by a reviewer.</summary>
    Other,

    /// <summary>In review: its most likely label and that label's posterior.</summary>
    Review,

    /// <summary>Still collecting votes: its most likely label and that label's posterior.</summary>
    Collecting,
}
