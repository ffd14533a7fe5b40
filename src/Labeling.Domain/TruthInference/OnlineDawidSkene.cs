namespace Labeling.Domain.TruthInference;

/// <summary>
/// Online Dawid–Skene: truth inference one vote at a time, with every item's posterior and every
/// labeler's confusion statistics kept current.
/// </summary>
/// <remarks>
/// <para>The model is <see cref="CommunityDawidSkene"/>'s (the batch default): labeler w's
/// confusion is θ_w[t,l] = (C_w[t,l] + s·P_w[t,l]) / (n_wt + s), where C_w are its expected counts
/// and P_w the prior mean of the worker community it belongs to (see
/// <see cref="OnlineCommunities"/>). Batch EM alternates E-steps over all items with M-steps over
/// all labelers; here, on each vote for item i, we run the E-step for item i only and move the
/// sufficient statistics of every labeler who voted on i by the change in i's posterior:
/// C_w[·, l_w] += T_i^new − T_i^old, and likewise the class and community counts. This is
/// incremental EM (Neal &amp; Hinton, 1998, "A view of the EM algorithm that justifies
/// incremental, sparse, and other variants"): the statistics always equal the sum of the current
/// per-item contributions, so nothing drifts. Cost per vote: O(votes on the item × K), plus an
/// amortised O(M·K²) membership refresh when a labeler's evidence doubles.</para>
/// <para>Two choices make one pass robust to the order votes arrive in. An item contributes to
/// its labelers' statistics only from its second vote (or once it is gold): a lone vote's
/// posterior merely echoes the vote, and counting it would let whoever votes first — a worker
/// whose answers are all at the head of a file — confirm its own reliability. And a read
/// (<see cref="Posterior"/>) runs the item's E-step under the current reliabilities without
/// moving any statistics, so an item decided early is read with everything learned since.</para>
/// <para>The posterior is computed as a product of probabilities rather than a sum of logs (no
/// log per factor on the hot path); factors are at least s·P/(n + s) &gt; 0 and the product is
/// rescaled before it could underflow.</para>
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
    private readonly Dictionary<string, CapabilityModel> _capabilities = new(StringComparer.Ordinal);
    private readonly double[] _scratchOld;

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
    }

    /// <summary>The classes, in index order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Number of items seen.</summary>
    public int ItemCount => _items.Count;

    /// <summary>Number of votes observed (current, after any removals).</summary>
    public long VoteCount { get; private set; }

    /// <summary>Every labeler's statistics.</summary>
    public IEnumerable<LabelerStatistics> Labelers => _capabilities.Values.SelectMany(c => c.Labelers.Values);

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
        var stats = evidence.Model.GetOrAddLabeler(labeler, _labels.Length, _options.Communities);
        evidence.Add(new VoteEvidence(stats, answer, at));
        VoteCount++;
        Update(evidence, at);
        evidence.Model.Shared.MaybeRefresh(stats);
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
        if (evidence.VoteCount > 0) Update(evidence, at);
    }

    /// <summary>
    /// The item's posterior under the labelers' current reliabilities, or null when it has no
    /// votes and is not gold. This is an E-step for the one item that moves no statistics, so a
    /// read reflects everything learned since the item's last vote.
    /// </summary>
    public double[]? Posterior(string item)
    {
        if (!_items.TryGetValue(item, out var e) || e.Posterior is null) return null;
        var posterior = new double[_labels.Length];
        if (e.Gold is { } gold) posterior[gold] = 1.0;
        else ComputePosterior(e, e.Model.Shared, posterior);
        return posterior;
    }

    /// <summary>
    /// The item's persisted state: its votes, gold label and the posterior its labelers'
    /// statistics currently hold (as of its last update — not the fresh read of
    /// <see cref="Posterior"/>). Stores save this so <see cref="FromState"/> restores exactly.
    /// </summary>
    public ItemEvidenceState? ItemState(string item) =>
        _items.TryGetValue(item, out var e) ? StateOf(e) : null;

    /// <summary>The labeler's statistics for a capability, or null when it has not voted there.</summary>
    public LabelerStatistics? Statistics(string labeler, string? capability = null) =>
        _capabilities.TryGetValue(capability ?? string.Empty, out var model) ? model.Labelers.GetValueOrDefault(labeler) : null;

    /// <summary>The labeler's current confusion matrix (prior included) for a capability.</summary>
    public ConfusionMatrix Confusion(string labeler, string? capability = null)
    {
        var model = GetOrAddCapability(capability ?? string.Empty);
        var stats = model.Labelers.GetValueOrDefault(labeler) ?? new LabelerStatistics(labeler, model.Name, _labels.Length);
        var k = _labels.Length;
        var values = new double[k * k];
        var s = _options.PriorStrength;
        Span<double> prior = stackalloc double[k];
        for (var l = 0; l < k; l++)
        {
            model.Shared.PriorColumn(stats, l, prior);
            for (var t = 0; t < k; t++) values[(t * k) + l] = (stats.Count(t, l) + (s * prior[t])) / (stats.RowSum(t) + s);
        }
        return new ConfusionMatrix(values, k);
    }

    /// <summary>The estimated class distribution for a capability.</summary>
    public double[] ClassPriors(string? capability = null)
    {
        var counts = GetOrAddCapability(capability ?? string.Empty).Shared.ClassCounts;
        var prior = new double[_labels.Length];
        for (var t = 0; t < prior.Length; t++) prior[t] = counts[t] + _options.ClassPseudoCount;
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
            var p = model.Posterior(data.Items[i]) ?? prior;
            p.CopyTo(posteriors, i * k);
        }
        var confusions = new ConfusionMatrix[data.WorkerCount];
        for (var w = 0; w < data.WorkerCount; w++) confusions[w] = model.Confusion(data.Workers[w]);
        return new InferenceResult("online-ds", data, posteriors, prior, confusions, iterations: 1);
    }

    /// <summary>A serialisable copy of the whole model.</summary>
    public OnlineDawidSkeneState ToState() => new(
        _labels.ToArray(),
        Labelers.Select(s => s.ToState()).ToArray(),
        _items.Values.Select(StateOf).ToArray());

    private static ItemEvidenceState StateOf(ItemEvidence e) => new(
        e.Item, e.Capability, e.Gold,
        e.Votes.ToArray().Select(v => new VoteEvidenceState(v.Labeler.Labeler, v.Label, v.At)).ToArray(),
        e.Posterior?.ToArray());

    /// <summary>Restores a model from <see cref="ToState"/>.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent (unknown labeler, bad label index, wrong sizes).</exception>
    public static OnlineDawidSkene FromState(OnlineDawidSkeneState state, OnlineDawidSkeneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var model = new OnlineDawidSkene(state.Labels, options);
        var k = state.Labels.Length;
        foreach (var ls in state.Labelers)
        {
            var capability = model.GetOrAddCapability(ls.Capability);
            if (capability.Labelers.ContainsKey(ls.Labeler))
                throw new ArgumentException($"Labeler '{ls.Labeler}' appears twice for capability '{ls.Capability}'.", nameof(state));
            capability.Labelers[ls.Labeler] = LabelerStatistics.FromState(ls, k);
        }
        foreach (var s in state.Items)
        {
            var e = model.GetOrAddItem(s.Item, s.Capability);
            e.Gold = s.Gold;
            foreach (var v in s.Votes)
            {
                if (v.Label < 0 || v.Label >= k) throw new ArgumentException($"Item '{s.Item}' has a vote with label index {v.Label}; there are {k} labels.", nameof(state));
                if (!e.Model.Labelers.TryGetValue(v.Labeler, out var stats))
                    throw new ArgumentException($"Item '{s.Item}' has a vote by '{v.Labeler}', who has no statistics in the state.", nameof(state));
                e.Add(new VoteEvidence(stats, v.Label, v.At));
                model.VoteCount++;
            }
            e.Contributed = e.VoteCount >= 2 || e.Gold is not null;
            if (s.Posterior is not null)
            {
                if (s.Posterior.Length != k) throw new ArgumentException($"Item '{s.Item}' has {s.Posterior.Length} posterior values; expected {k}.", nameof(state));
                e.Posterior = s.Posterior.ToArray();
                for (var t = 0; t < k; t++) e.Model.Shared.ClassCounts[t] += e.Posterior[t];
            }
        }
        foreach (var capability in model._capabilities.Values)
            capability.Shared.Restore(capability.Labelers.Values);
        return model;
    }

    private void Update(ItemEvidence evidence, DateTimeOffset? at)
    {
        var k = _labels.Length;
        var shared = evidence.Model.Shared;
        var old = _scratchOld.AsSpan();
        if (evidence.Posterior is null)
        {
            old.Clear();
            evidence.Posterior = new double[k];
        }
        else evidence.Posterior.AsSpan().CopyTo(old);

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
        else ComputePosterior(evidence, shared, post);

        var last = evidence.VoteCount - 1;
        // One vote alone says nothing about its labeler's reliability (the posterior would only
        // echo it), so an item starts teaching its labelers once a second vote or gold arrives.
        var contributes = evidence.VoteCount >= 2 || evidence.Gold is not null;
        var contributed = evidence.Contributed;
        evidence.Contributed = contributes;
        Span<double> zero = stackalloc double[k];
        var target = contributes ? post : zero;
        for (var n = 0; n <= last; n++)
        {
            var v = evidence.Votes[n];
            // The newest vote has contributed nothing yet; the others contributed the old posterior,
            // decayed since they last wrote it.
            var scale = n == last || !contributed ? 0.0
                : halfLife is { } h && at is { } t1 && v.At is { } t0 ? LabelerStatistics.DecayFactor(t1 - t0, h) : 1.0;
            shared.AddDelta(v.Labeler, v.Label, old, scale, target);
            v.Labeler.Replace(v.Label, old, scale, target);
            if (at is not null) evidence.Votes[n] = v with { At = at };
        }
        var classCounts = shared.ClassCounts;
        for (var t = 0; t < k; t++) classCounts[t] = Math.Max(0, classCounts[t] + post[t] - old[t]);
    }

    private void ComputePosterior(ItemEvidence evidence, OnlineCommunities shared, Span<double> post)
    {
        var k = _labels.Length;
        var s = _options.PriorStrength;
        var classCounts = shared.ClassCounts;
        for (var t = 0; t < k; t++) post[t] = classCounts[t] + _options.ClassPseudoCount;
        Span<double> prior = stackalloc double[k];
        foreach (var v in evidence.Votes)
        {
            var stats = v.Labeler;
            shared.PriorColumn(stats, v.Label, prior);
            var max = 0.0;
            for (var t = 0; t < k; t++)
            {
                var p = post[t] * (stats.Count(t, v.Label) + (s * prior[t])) / (stats.RowSum(t) + s);
                post[t] = p;
                if (p > max) max = p;
            }
            // Each factor is a probability; rescale long before a product of many could underflow.
            if (max < 1e-150)
            {
                var inv = 1.0 / max;
                for (var t = 0; t < k; t++) post[t] *= inv;
            }
        }
        Probability.Normalize(post);
    }

    private ItemEvidence GetOrAddItem(string item, string capability)
    {
        if (_items.TryGetValue(item, out var e))
        {
            if (!string.Equals(e.Capability, capability, StringComparison.Ordinal))
                throw new ArgumentException($"Item '{item}' has capability '{e.Capability}'; a vote for capability '{capability}' cannot be added to it.", nameof(capability));
            return e;
        }
        e = new ItemEvidence(item, GetOrAddCapability(capability));
        _items[item] = e;
        return e;
    }

    private CapabilityModel GetOrAddCapability(string capability)
    {
        if (!_capabilities.TryGetValue(capability, out var model))
        {
            model = new CapabilityModel(capability, new OnlineCommunities(_labels.Length, _options.Communities, _options.PriorStrength));
            _capabilities[capability] = model;
        }
        return model;
    }

    private sealed class CapabilityModel(string name, OnlineCommunities shared)
    {
        public string Name { get; } = name;
        public OnlineCommunities Shared { get; } = shared;
        public Dictionary<string, LabelerStatistics> Labelers { get; } = new(StringComparer.Ordinal);

        public LabelerStatistics GetOrAddLabeler(string labeler, int classCount, int communities)
        {
            if (!Labelers.TryGetValue(labeler, out var stats))
            {
                stats = new LabelerStatistics(labeler, Name, classCount);
                stats.ReserveModel(communities);
                Labelers[labeler] = stats;
            }
            return stats;
        }
    }

    private sealed class ItemEvidence(string item, CapabilityModel model)
    {
        public string Item { get; } = item;
        public CapabilityModel Model { get; } = model;
        public string Capability => Model.Name;
        public int? Gold { get; set; }
        private VoteEvidence[] _votes = [];

        public int VoteCount { get; private set; }

        // An array rather than a List: one object less to reach per vote, on a path bound by
        // memory latency when items are many.
        public Span<VoteEvidence> Votes => _votes.AsSpan(0, VoteCount);

        public void Add(VoteEvidence vote)
        {
            if (VoteCount == _votes.Length) Array.Resize(ref _votes, Math.Max(4, VoteCount * 2));
            _votes[VoteCount++] = vote;
        }
        public double[]? Posterior { get; set; }
        public bool Contributed { get; set; }
    }

    private readonly record struct VoteEvidence(LabelerStatistics Labeler, int Label, DateTimeOffset? At);
}
