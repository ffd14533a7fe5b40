namespace Labeling.Domain.TruthInference;

/// <summary>
/// Online Dawid–Skene: truth inference one vote at a time, with every item's posterior and every
/// labeler's confusion statistics kept current.
/// </summary>
/// <remarks>
/// <para>The model is <see cref="DawidSkene"/>'s, with Dirichlet priors and the pooled prior
/// (θ_w[t,·] ∝ C_w[t,·] + α_t· + s·θ̄[t,·]). Batch EM alternates E-steps over all items with
/// M-steps over all labelers; here, on each vote for item i, we run the E-step for item i only
/// and move the sufficient statistics of every labeler who voted on i by the change in i's
/// posterior: C_w[·, l_w] += T_i^new − T_i^old, and likewise the class counts. This is exact
/// incremental EM (Neal &amp; Hinton, 1998, "A view of the EM algorithm that justifies
/// incremental, sparse, and other variants"): the statistics always equal the sum of the
/// current per-item contributions, so nothing drifts. Cost per vote: O(votes on the item × K).</para>
/// <para>Gold items have a one-hot posterior that votes cannot move, so they teach labelers'
/// reliabilities without being taught. Statistics are kept per capability (task type): a
/// labeler's reliability on sentiment says nothing of its reliability on spam. With a half-life,
/// a labeler's statistics decay (see <see cref="LabelerStatistics"/>); the contribution a vote
/// subtracts is scaled by the same decay, so the invariant holds under decay too.</para>
/// <para>Not thread-safe: one writer at a time (hosts serialise updates per project).</para>
/// </remarks>
public sealed class OnlineDawidSkene
{
    private readonly OnlineDawidSkeneOptions _options;
    private readonly string[] _labels;
    private readonly Dictionary<string, int> _labelIndex;
    private readonly Dictionary<string, ItemEvidence> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Labeler, string Capability), LabelerStatistics> _labelers = new();
    private readonly Dictionary<string, SharedStatistics> _capabilities = new(StringComparer.Ordinal);
    private readonly double[] _scratchOld;
    private readonly double[] _scratchLog;

    /// <summary>Creates an empty model over the given labels (schema order).</summary>
    /// <exception cref="ArgumentException">No labels, or a label repeated or empty.</exception>
    public OnlineDawidSkene(IReadOnlyList<string> labels, OnlineDawidSkeneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("An online model needs at least one label.", nameof(labels));
        _options = options ?? new OnlineDawidSkeneOptions();
        _options.Validate();
        _labels = labels.ToArray();
        _labelIndex = new Dictionary<string, int>(_labels.Length, StringComparer.Ordinal);
        for (var k = 0; k < _labels.Length; k++)
        {
            if (string.IsNullOrEmpty(_labels[k]) || !_labelIndex.TryAdd(_labels[k], k))
                throw new ArgumentException($"Label '{_labels[k]}' is empty or repeated; labels must be distinct.", nameof(labels));
        }
        _scratchOld = new double[_labels.Length];
        _scratchLog = new double[_labels.Length];
    }

    /// <summary>The classes, in index order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Number of items seen.</summary>
    public int ItemCount => _items.Count;

    /// <summary>Number of votes observed (current, after any removals).</summary>
    public long VoteCount { get; private set; }

    /// <summary>Every labeler's statistics.</summary>
    public IEnumerable<LabelerStatistics> Labelers => _labelers.Values;

    /// <summary>Records one vote and updates the item's posterior and its labelers' statistics.</summary>
    /// <param name="item">The item voted on.</param>
    /// <param name="labeler">Who voted.</param>
    /// <param name="label">The label given; must be one of <see cref="Labels"/>.</param>
    /// <param name="capability">The item's task type; null or empty for the default. Fixed per item.</param>
    /// <param name="at">When the vote was cast; needed only with a half-life.</param>
    /// <returns>The item's new posterior (a copy).</returns>
    /// <exception cref="ArgumentException">The label is not in the schema, or the capability differs from the item's.</exception>
    public double[] Observe(string item, string labeler, string label, string? capability = null, DateTimeOffset? at = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(item);
        ArgumentException.ThrowIfNullOrEmpty(labeler);
        ArgumentNullException.ThrowIfNull(label);
        if (!_labelIndex.TryGetValue(label, out var answer))
            throw new ArgumentException($"Label '{label}' is not one of [{string.Join(", ", _labels)}].", nameof(label));
        var evidence = GetOrAddItem(item, capability ?? string.Empty);
        var stats = GetOrAddLabeler(labeler, evidence.Capability);
        evidence.Votes.Add(new VoteEvidence(stats, answer, at));
        VoteCount++;
        Update(evidence, at);
        return (double[])evidence.Posterior!.Clone();
    }

    /// <summary>Marks an item as gold: its posterior is clamped to the known label.</summary>
    /// <exception cref="ArgumentException">The label is not in the schema.</exception>
    public void SetGold(string item, string label, string? capability = null, DateTimeOffset? at = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(item);
        if (!_labelIndex.TryGetValue(label, out var k))
            throw new ArgumentException($"Gold label '{label}' is not one of [{string.Join(", ", _labels)}].", nameof(label));
        var evidence = GetOrAddItem(item, capability ?? string.Empty);
        evidence.Gold = k;
        if (evidence.Votes.Count > 0) Update(evidence, at);
    }

    /// <summary>The item's posterior (a copy), or null when it has no votes and is not gold.</summary>
    public double[]? Posterior(string item) =>
        _items.TryGetValue(item, out var e) && e.Posterior is not null ? (double[])e.Posterior.Clone() : null;

    /// <summary>The labeler's statistics for a capability, or null when it has not voted there.</summary>
    public LabelerStatistics? Statistics(string labeler, string? capability = null) =>
        _labelers.GetValueOrDefault((labeler, capability ?? string.Empty));

    /// <summary>The labeler's current confusion matrix (prior included) for a capability.</summary>
    public ConfusionMatrix Confusion(string labeler, string? capability = null)
    {
        var cap = capability ?? string.Empty;
        var k = _labels.Length;
        var shared = GetOrAddShared(cap);
        var stats = Statistics(labeler, cap);
        var values = new double[k * k];
        for (var t = 0; t < k; t++)
            for (var l = 0; l < k; l++) values[(t * k) + l] = Math.Exp(LogTheta(stats, shared, t, l));
        return new ConfusionMatrix(values, k);
    }

    /// <summary>The estimated class distribution for a capability.</summary>
    public double[] ClassPriors(string? capability = null)
    {
        var shared = GetOrAddShared(capability ?? string.Empty);
        var prior = new double[_labels.Length];
        for (var t = 0; t < prior.Length; t++) prior[t] = shared.ClassCounts[t] + _options.ClassPseudoCount;
        Probability.Normalize(prior);
        return prior;
    }

    /// <summary>Replays answers once, in the order given, and returns the final posteriors.</summary>
    /// <param name="stream">The answers in arrival order; abstentions register the item only.</param>
    /// <param name="labels">The classes in index order.</param>
    /// <param name="options">Model settings.</param>
    public static InferenceResult Replay(IEnumerable<Answer> stream, IReadOnlyList<string> labels, OnlineDawidSkeneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var answers = stream as IReadOnlyList<Answer> ?? stream.ToList();
        var data = AnswerMatrix.Create(answers, labels);
        var model = new OnlineDawidSkene(labels, options);
        foreach (var a in answers)
        {
            if (!a.IsAbstention) model.Observe(a.Item, a.Worker, a.Label!);
        }
        var k = labels.Count;
        var posteriors = new double[data.ItemCount * k];
        var prior = model.ClassPriors();
        for (var i = 0; i < data.ItemCount; i++)
        {
            var p = model._items.TryGetValue(data.Items[i], out var e) && e.Posterior is not null ? e.Posterior : prior;
            p.CopyTo(posteriors, i * k);
        }
        var confusions = new ConfusionMatrix[data.WorkerCount];
        for (var w = 0; w < data.WorkerCount; w++) confusions[w] = model.Confusion(data.Workers[w]);
        return new InferenceResult("online-ds", data, posteriors, prior, confusions, iterations: 1);
    }

    /// <summary>A serialisable copy of the whole model.</summary>
    public OnlineDawidSkeneState ToState() => new(
        _labels.ToArray(),
        _labelers.Values.Select(s => s.ToState()).ToArray(),
        _items.Values.Select(e => new ItemEvidenceState(
            e.Item, e.Capability, e.Gold,
            e.Votes.Select(v => new VoteEvidenceState(v.Labeler.Labeler, v.Label, v.At)).ToArray(),
            e.Posterior?.ToArray())).ToArray());

    /// <summary>Restores a model from <see cref="ToState"/>.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent (unknown labeler, bad label index, wrong sizes).</exception>
    public static OnlineDawidSkene FromState(OnlineDawidSkeneState state, OnlineDawidSkeneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var model = new OnlineDawidSkene(state.Labels, options);
        var k = state.Labels.Length;
        foreach (var ls in state.Labelers)
        {
            var stats = LabelerStatistics.FromState(ls, k);
            model._labelers[(ls.Labeler, ls.Capability)] = stats;
            var shared = model.GetOrAddShared(ls.Capability);
            for (var t = 0; t < k; t++)
                for (var l = 0; l < k; l++) shared.AddPooled(t, l, stats.Count(t, l));
        }
        foreach (var s in state.Items)
        {
            var e = model.GetOrAddItem(s.Item, s.Capability);
            e.Gold = s.Gold;
            foreach (var v in s.Votes)
            {
                if (v.Label < 0 || v.Label >= k) throw new ArgumentException($"Item '{s.Item}' has a vote with label index {v.Label}; there are {k} labels.", nameof(state));
                if (!model._labelers.TryGetValue((v.Labeler, s.Capability), out var stats))
                    throw new ArgumentException($"Item '{s.Item}' has a vote by '{v.Labeler}', who has no statistics in the state.", nameof(state));
                e.Votes.Add(new VoteEvidence(stats, v.Label, v.At));
                model.VoteCount++;
            }
            if (s.Posterior is not null)
            {
                if (s.Posterior.Length != k) throw new ArgumentException($"Item '{s.Item}' has {s.Posterior.Length} posterior values; expected {k}.", nameof(state));
                e.Posterior = s.Posterior.ToArray();
                var shared = model.GetOrAddShared(s.Capability);
                for (var t = 0; t < k; t++) shared.ClassCounts[t] += e.Posterior[t];
            }
        }
        return model;
    }

    private void Update(ItemEvidence evidence, DateTimeOffset? at)
    {
        var k = _labels.Length;
        var shared = GetOrAddShared(evidence.Capability);
        var old = _scratchOld.AsSpan();
        var hadPosterior = evidence.Posterior is not null;
        if (hadPosterior) evidence.Posterior.AsSpan().CopyTo(old);
        else
        {
            old.Clear();
            evidence.Posterior = new double[k];
        }

        var halfLife = _options.HalfLife;
        if (halfLife is not null && at is { } now)
        {
            foreach (var v in evidence.Votes) v.Labeler.DecayTo(now, halfLife);
        }

        var post = evidence.Posterior.AsSpan();
        if (evidence.Gold is { } gold)
        {
            post.Clear();
            post[gold] = 1.0;
        }
        else
        {
            var log = _scratchLog.AsSpan();
            for (var t = 0; t < k; t++) log[t] = Math.Log(shared.ClassCounts[t] + _options.ClassPseudoCount);
            foreach (var v in evidence.Votes)
                for (var t = 0; t < k; t++) log[t] += LogTheta(v.Labeler, shared, t, v.Label);
            Probability.NormalizeLog(log);
            log.CopyTo(post);
        }

        var last = evidence.Votes.Count - 1;
        for (var n = 0; n <= last; n++)
        {
            var v = evidence.Votes[n];
            // The newest vote has contributed nothing yet; the others contributed the old posterior,
            // decayed since they last wrote it.
            var scale = n == last ? 0.0
                : halfLife is { } h && at is { } t1 && v.At is { } t0 ? LabelerStatistics.DecayFactor(t1 - t0, h) : 1.0;
            v.Labeler.Replace(v.Label, old, scale, post);
            shared.ReplacePooled(v.Label, old, n == last ? 0.0 : 1.0, post);
            if (at is not null) evidence.Votes[n] = v with { At = at };
        }
        for (var t = 0; t < k; t++) shared.ClassCounts[t] = Math.Max(0, shared.ClassCounts[t] + post[t] - old[t]);
    }

    private double LogTheta(LabelerStatistics? stats, SharedStatistics shared, int truth, int answer)
    {
        var k = _labels.Length;
        var alpha = truth == answer ? _options.DiagonalPseudoCount : _options.OffDiagonalPseudoCount;
        var alphaRow = _options.DiagonalPseudoCount + ((k - 1) * _options.OffDiagonalPseudoCount);
        var s = _options.PooledPseudoCount;
        var pooled = s > 0 ? s * (shared.Pooled[(truth * k) + answer] + alpha) / (shared.PooledRowSums[truth] + alphaRow) : 0.0;
        var count = stats?.Count(truth, answer) ?? 0.0;
        var row = stats?.RowSum(truth) ?? 0.0;
        return Math.Log((count + alpha + pooled) / (row + alphaRow + s));
    }

    private ItemEvidence GetOrAddItem(string item, string capability)
    {
        if (_items.TryGetValue(item, out var e))
        {
            if (!string.Equals(e.Capability, capability, StringComparison.Ordinal))
                throw new ArgumentException($"Item '{item}' has capability '{e.Capability}'; a vote for capability '{capability}' cannot be added to it.", nameof(capability));
            return e;
        }
        e = new ItemEvidence(item, capability);
        _items[item] = e;
        return e;
    }

    private LabelerStatistics GetOrAddLabeler(string labeler, string capability)
    {
        if (!_labelers.TryGetValue((labeler, capability), out var stats))
        {
            stats = new LabelerStatistics(labeler, capability, _labels.Length);
            _labelers[(labeler, capability)] = stats;
        }
        return stats;
    }

    private SharedStatistics GetOrAddShared(string capability)
    {
        if (!_capabilities.TryGetValue(capability, out var shared))
        {
            shared = new SharedStatistics(_labels.Length);
            _capabilities[capability] = shared;
        }
        return shared;
    }

    private sealed class ItemEvidence(string item, string capability)
    {
        public string Item { get; } = item;
        public string Capability { get; } = capability;
        public int? Gold { get; set; }
        public List<VoteEvidence> Votes { get; } = new(4);
        public double[]? Posterior { get; set; }
    }

    private readonly record struct VoteEvidence(LabelerStatistics Labeler, int Label, DateTimeOffset? At);

    /// <summary>Per-capability class counts and the pooled confusion counts of all its labelers.</summary>
    private sealed class SharedStatistics(int k)
    {
        public double[] ClassCounts { get; } = new double[k];
        public double[] Pooled { get; } = new double[k * k];
        public double[] PooledRowSums { get; } = new double[k];

        public void AddPooled(int truth, int answer, double value)
        {
            Pooled[(truth * k) + answer] += value;
            PooledRowSums[truth] += value;
        }

        // The pooled counts are a prior's shape, not evidence: they take the same updates as the
        // labelers but without decay.
        public void ReplacePooled(int answer, ReadOnlySpan<double> before, double beforeScale, ReadOnlySpan<double> after)
        {
            for (var t = 0; t < k; t++)
            {
                var d = after[t] - (before[t] * beforeScale);
                Pooled[(t * k) + answer] = Math.Max(0, Pooled[(t * k) + answer] + d);
                PooledRowSums[t] = Math.Max(0, PooledRowSums[t] + d);
            }
        }
    }
}
