using System.Globalization;

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
/// amortised O(M·K²) membership refresh when a labeler's evidence doubles, plus O(R × (K + votes on the item)) for the
/// silences of a capability's R selective labelers.</para>
/// <para>Two choices make one pass robust to the order votes arrive in. An item contributes to
/// its labelers' statistics only from its second vote (or once it is gold): a lone vote's
/// posterior merely echoes the vote, and counting it would let whoever votes first — a worker
/// whose answers are all at the head of a file — confirm its own reliability. And a read
/// (<see cref="Posterior"/>) runs the item's E-step under the current reliabilities without
/// moving any statistics, so an item decided early is read with everything learned since.</para>
/// <para>The posterior is computed as a product of probabilities rather than a sum of logs (no
/// log per factor on the hot path); factors are at least s·P/(n + s) &gt; 0 and the product is
/// rescaled before it could underflow.</para>
/// <para>A selective labeler (<see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>, a keyword rule) runs on every
/// item of its capability and votes only where it matches. It is read by its firing rates where it voted and by its
/// silence on every other item (<see cref="Reading"/>), and it learns only from checked items — those in the class prior
/// — so C_w[·, l_w] moves only for them (<see cref="SelectiveLabelers"/>).</para>
/// <para>Gold items have a one-hot posterior that votes cannot move, so they teach labelers'
/// reliabilities without being taught. Statistics are kept per capability (task type): a
/// labeler's reliability on sentiment says nothing of its reliability on spam. With a half-life,
/// a labeler's statistics decay (see <see cref="LabelerStatistics"/>); the contribution a vote
/// subtracts is scaled by the same decay, so the invariant holds under decay too.</para>
/// <para>Storage is laid out for a path bound by memory latency: items are dense indices into
/// flat arrays (their posteriors side by side in one array) and their votes live in pooled
/// pages of small structs, so an item costs no objects of its own and a vote allocates nothing
/// but the posterior copy it returns.</para>
/// <para>Not thread-safe: one writer at a time (hosts serialise updates per project).</para>
/// </remarks>
public sealed class OnlineDawidSkene
{
    private const int FirstVoteCapacity = 4;

    private readonly OnlineDawidSkeneOptions _options;
    private readonly string[] _labels;
    private readonly int _k;
    private readonly Dictionary<string, int> _labelIndex;
    private readonly Dictionary<string, int> _itemIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _capabilityIndex = new(StringComparer.Ordinal);
    private readonly List<CapabilityModel> _capabilities = [];
    private readonly VotePages _votes = new();
    private readonly double[] _scratchOld;
    private string[] _itemIds = new string[64];
    private ItemSlot[] _items = new ItemSlot[64];
    private double[] _posteriors;
    private int _itemCount;

    /// <summary>Creates an empty model over the given labels (schema order).</summary>
    /// <exception cref="ArgumentException">No labels, or a label repeated or empty.</exception>
    public OnlineDawidSkene(IReadOnlyList<string> labels, OnlineDawidSkeneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("An online model needs at least one label.", nameof(labels));
        _options = options ?? new OnlineDawidSkeneOptions();
        _options.Validate();
        _labels = labels.ToArray();
        _k = _labels.Length;
        _labelIndex = new Dictionary<string, int>(_labels.Length, StringComparer.Ordinal);
        for (var k = 0; k < _labels.Length; k++)
        {
            if (string.IsNullOrEmpty(_labels[k]) || !_labelIndex.TryAdd(_labels[k], k))
                throw new ArgumentException($"Label '{_labels[k]}' is empty or repeated; labels must be distinct.", nameof(labels));
        }
        _scratchOld = new double[_k];
        _posteriors = new double[_items.Length * _k];
    }

    /// <summary>The classes, in index order.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Number of items seen.</summary>
    public int ItemCount => _itemCount;

    /// <summary>Number of votes observed (current, after any removals).</summary>
    public long VoteCount { get; private set; }

    /// <summary>Every labeler's statistics.</summary>
    public IEnumerable<LabelerStatistics> Labelers => _capabilities.SelectMany(c => c.Labelers.Values);

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
        var i = GetOrAddItem(item, capability ?? string.Empty);
        var model = _capabilities[_items[i].Capability];
        var stats = model.GetOrAddLabeler(labeler, _k, _options.Communities, _options.SelectivePrefixes);
        _votes.Append(ref _items[i], new VoteSlot(stats, answer, at));
        stats.Items.Add(i);
        VoteCount++;
        Update(i, at, newVote: true);
        model.Shared.MaybeRefresh(stats);
        return _posteriors.AsSpan(i * _k, _k).ToArray();
    }

    /// <summary>Marks an item as gold: its posterior is clamped to the known label.</summary>
    /// <exception cref="ArgumentException">The label is not in the schema.</exception>
    public void SetGold(string item, string label, string? capability = null, DateTimeOffset? at = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(item);
        if (!_labelIndex.TryGetValue(label, out var k))
            throw new ArgumentException($"Gold label '{label}' is not one of [{string.Join(", ", _labels)}].", nameof(label));
        var i = GetOrAddItem(item, capability ?? string.Empty);
        _items[i].Gold = k;
        if (_items[i].VoteCount > 0) Update(i, at, newVote: false);
    }

    /// <summary>
    /// The item's posterior under the labelers' current reliabilities (a gold item's is its known label), or null
    /// when it has no votes, gold or not. This is an E-step for the one item that moves no statistics, so a
    /// read reflects everything learned since the item's last vote.
    /// </summary>
    public double[]? Posterior(string item)
    {
        if (!_itemIndex.TryGetValue(item, out var i) || !_items[i].HasPosterior) return null;
        ref var slot = ref _items[i];
        var posterior = new double[_k];
        if (slot.Gold >= 0) posterior[slot.Gold] = 1.0;
        else ComputePosterior(_votes.Of(slot), _capabilities[slot.Capability], posterior);
        return posterior;
    }

    /// <summary>
    /// The item's persisted state: its votes, gold label and the posterior its labelers'
    /// statistics currently hold (as of its last update — not the fresh read of
    /// <see cref="Posterior"/>). Stores save this so <see cref="FromState"/> restores exactly.
    /// </summary>
    public ItemEvidenceState? ItemState(string item) =>
        _itemIndex.TryGetValue(item, out var i) ? StateOf(i) : null;

    /// <summary>
    /// Makes the item's state in this model the one <paramref name="stored"/> says, as another model that shares the store
    /// wrote it (<see cref="ItemState"/> of a model in another process: on Azure each Functions instance keeps its own). The
    /// item's contribution to its labelers' statistics and to the class counts is taken out, and the stored votes, gold
    /// label and posterior are put in with theirs, so the next <see cref="Observe"/> on the item starts from every vote the
    /// store holds and takes back exactly what it added. Votes that begin both lists alike keep their places. Nothing
    /// changes when the model already holds that state. The counts are then exactly what the other model holds; a labeler
    /// this model had not seen gets its community membership once, from the adopted counts, where <see cref="Observe"/>
    /// refreshes it vote by vote, so posteriors can differ from the other model's in the fifth decimal.
    /// </summary>
    /// <param name="stored">The item's stored state.</param>
    /// <param name="at">Now, for the decay of a half-life (<see cref="OnlineDawidSkeneOptions.HalfLife"/>); null for none.</param>
    /// <returns>The statistics of the labelers whose counts this moved, before and after; empty when nothing changed.</returns>
    /// <exception cref="ArgumentException">The state does not fit the model (a label index or posterior length, or another capability).</exception>
    public IReadOnlyList<(LabelerStatisticsState Before, LabelerStatisticsState After)> Adopt(ItemEvidenceState stored, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Item);
        var k = _k;
        if (stored.Posterior is { Length: var length } && length != k)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Item '{stored.Item}' has {length} posterior values; expected {k}."), nameof(stored));
        if (stored.Gold is { } g && (g < 0 || g >= k))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Item '{stored.Item}' has gold label index {g}; there are {k} labels."), nameof(stored));
        foreach (var v in stored.Votes)
        {
            if (v.Label < 0 || v.Label >= k) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Item '{stored.Item}' has a vote with label index {v.Label}; there are {k} labels."), nameof(stored));
        }
        if (_itemIndex.TryGetValue(stored.Item, out var known) && Holds(known, stored)) return [];

        var i = GetOrAddItem(stored.Item, stored.Capability ?? string.Empty);
        var model = _capabilities[_items[i].Capability];
        var shared = model.Shared;
        var storedStats = new LabelerStatistics[stored.Votes.Length];
        for (var n = 0; n < storedStats.Length; n++)
            storedStats[n] = model.GetOrAddLabeler(stored.Votes[n].Labeler, k, _options.Communities, _options.SelectivePrefixes);
        var touched = new List<LabelerStatistics>();
        foreach (ref readonly var v in _votes.Of(_items[i]))
        {
            if (!touched.Contains(v.Labeler)) touched.Add(v.Labeler);
        }
        foreach (var stats in storedStats)
        {
            if (!touched.Contains(stats)) touched.Add(stats);
        }
        var before = touched.Select(t => t.ToState()).ToArray();

        ref var slot = ref _items[i];
        var halfLife = _options.HalfLife;
        var classCounts = shared.ClassCounts;
        Span<double> zero = stackalloc double[k];
        Span<double> weights = stackalloc double[k];

        // Out: what the item's current posterior added to its labelers and to the class counts.
        var votes = _votes.Of(slot);
        if (slot.HasPosterior)
        {
            var old = _posteriors.AsSpan(i * k, k);
            if (slot.Contributed)
            {
                foreach (ref var v in votes)
                {
                    if (v.Labeler.Selective && !slot.InClassPrior) continue;
                    var scale = DecayedShare(ref v);
                    shared.AddDelta(v.Labeler, v.Label, old, scale, zero);
                    v.Labeler.Replace(v.Label, old, scale, zero);
                }
            }
            if (slot.InClassPrior)
            {
                for (var t = 0; t < k; t++) classCounts[t] = Math.Max(0, classCounts[t] - old[t]);
            }
        }

        // The votes both lists begin with stay where they are; the rest are replaced by the stored ones.
        var same = 0;
        while (same < votes.Length && same < stored.Votes.Length
            && ReferenceEquals(votes[same].Labeler, storedStats[same]) && votes[same].Label == stored.Votes[same].Label)
        {
            votes[same].At = stored.Votes[same].At;
            same++;
        }
        for (var n = same; n < votes.Length; n++)
        {
            votes[n].Labeler.Items.Remove(i);
            VoteCount--;
        }
        _votes.Truncate(ref slot, same);
        for (var n = same; n < stored.Votes.Length; n++)
        {
            _votes.Append(ref slot, new VoteSlot(storedStats[n], stored.Votes[n].Label, stored.Votes[n].At));
            storedStats[n].Items.Add(i);
            VoteCount++;
        }

        // In: the stored posterior's contribution, as FromState restores it and Update adds it.
        slot.Gold = stored.Gold ?? -1;
        slot.HasPosterior = false;
        slot.Contributed = false;
        slot.InClassPrior = false;
        if (stored.Posterior is { } posterior)
        {
            posterior.CopyTo(_posteriors.AsSpan(i * k, k));
            slot.HasPosterior = true;
            slot.Contributed = slot.VoteCount >= 2 || slot.Gold >= 0;
            slot.InClassPrior = CountsInClassPrior(ref slot);
            if (slot.Contributed)
            {
                foreach (ref var v in _votes.Of(slot))
                {
                    if (v.Labeler.Selective && !slot.InClassPrior) continue;
                    var scale = DecayedShare(ref v);
                    for (var t = 0; t < k; t++) weights[t] = posterior[t] * scale;
                    shared.AddDelta(v.Labeler, v.Label, zero, 0.0, weights);
                    v.Labeler.Replace(v.Label, zero, 0.0, weights);
                }
            }
            if (slot.InClassPrior)
            {
                for (var t = 0; t < k; t++) classCounts[t] += posterior[t];
            }
        }
        foreach (var stats in storedStats) shared.MaybeRefresh(stats);
        return [.. before.Zip(touched.Select(t => t.ToState()))];

        // With a half-life: the voter's counts decayed to now, and the share of a contribution written at the vote's time
        // that is left of it now (as Update takes it out). Without one, the whole of it.
        double DecayedShare(ref VoteSlot v)
        {
            if (halfLife is not { } h || at is not { } now) return 1.0;
            shared.DecayTo(v.Labeler, now, h);
            return v.At is { } t0 ? LabelerStatistics.DecayFactor((v.Labeler.UpdatedAt ?? now) - t0, h) : 1.0;
        }
    }

    // Whether the model holds exactly the stored state of item i (same capability, gold, votes in order with their times, posterior).
    private bool Holds(int i, ItemEvidenceState stored)
    {
        ref readonly var slot = ref _items[i];
        if (!string.Equals(_capabilities[slot.Capability].Name, stored.Capability ?? string.Empty, StringComparison.Ordinal)
            || slot.Gold != (stored.Gold ?? -1) || slot.HasPosterior != (stored.Posterior is not null))
            return false;
        var votes = _votes.Of(slot);
        if (votes.Length != stored.Votes.Length) return false;
        for (var n = 0; n < votes.Length; n++)
        {
            var v = stored.Votes[n];
            if (!string.Equals(votes[n].Labeler.Labeler, v.Labeler, StringComparison.Ordinal) || votes[n].Label != v.Label || votes[n].At != v.At) return false;
        }
        return stored.Posterior is null || _posteriors.AsSpan(i * _k, _k).SequenceEqual(stored.Posterior);
    }

    /// <summary>The labeler's statistics for a capability, or null when it has not voted there.</summary>
    public LabelerStatistics? Statistics(string labeler, string? capability = null) =>
        _capabilityIndex.TryGetValue(capability ?? string.Empty, out var c) ? _capabilities[c].Labelers.GetValueOrDefault(labeler) : null;

    /// <summary>The labeler's current confusion matrix (prior included) for a capability.</summary>
    public ConfusionMatrix Confusion(string labeler, string? capability = null)
    {
        var (model, stats) = LabelerIn(labeler, capability);
        return Smoothed(model, stats, stats.Counts, stats.RowSums);
    }

    /// <summary>
    /// How the model reads the labeler's votes: entry [t, l] is P(it votes l | the truth is t). For a labeler that is not
    /// selective this is its <see cref="Confusion"/>. For a selective one (<see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>)
    /// it is its firing rates, learned from the checked items (those in the class prior) as counts over the class
    /// counts; a row's remainder to one is the chance it stays silent, which the model reads on every item of the
    /// capability it did not vote on. Its confusion cannot say this: a rule votes only where it matches, so both rows of
    /// its confusion read "always votes l", and a vote read that way counts for less the more the rule is checked.
    /// </summary>
    public ConfusionMatrix Reading(string labeler, string? capability = null)
    {
        var (model, stats) = LabelerIn(labeler, capability);
        if (!stats.Selective) return Smoothed(model, stats, stats.Counts, stats.RowSums);
        var k = _k;
        var values = new double[k * k];
        Span<double> column = stackalloc double[k];
        for (var l = 0; l < k; l++)
        {
            FiringColumn(model.Shared, stats, l, column);
            for (var t = 0; t < k; t++) values[(t * k) + l] = column[t];
        }
        return new ConfusionMatrix(values, k);
    }

    /// <summary>
    /// What the model multiplies into the item's posterior (after the class prior) under the current reliabilities: one
    /// factor per vote, the voter's column for the label it gave, and one per selective labeler of the item's capability
    /// that did not vote on it, its silence (<see cref="Reading"/>); each with the evidence behind it — the labeler's
    /// <see cref="LabelerStatistics.Evidence"/>, or for a silence the checked items' class counts. A selective labeler's
    /// columns are scaled to sum to one (a factor's scale does not change a posterior). Empty for an unknown item or
    /// one without votes; a gold item's posterior is its label, whatever its factors.
    /// </summary>
    public IReadOnlyList<PosteriorFactor> Factors(string item)
    {
        if (!_itemIndex.TryGetValue(item, out var i) || !_items[i].HasPosterior) return [];
        var k = _k;
        var s = _options.PriorStrength;
        var model = _capabilities[_items[i].Capability];
        var shared = model.Shared;
        var votes = _votes.Of(_items[i]);
        var factors = new List<PosteriorFactor>(votes.Length + model.Selective.Count);
        foreach (ref readonly var v in votes)
        {
            var column = new double[k];
            var stats = v.Labeler;
            if (stats.Selective)
            {
                FiringColumn(shared, stats, v.Label, column);
                Probability.Normalize(column);
            }
            else
            {
                shared.PriorColumn(stats, v.Label, column);
                for (var t = 0; t < k; t++) column[t] = (stats.Count(t, v.Label) + (s * column[t])) / (stats.RowSum(t) + s);
            }
            factors.Add(new PosteriorFactor(stats.Labeler, v.Label, column, stats.Evidence));
        }
        var checkedItems = shared.ClassCounts.Sum();
        foreach (var rule in model.Selective)
        {
            if (VotedOn(votes, rule)) continue;
            var column = new double[k];
            SilenceColumn(shared, rule, column);
            Probability.Normalize(column);
            factors.Add(new PosteriorFactor(rule.Labeler, null, column, checkedItems));
        }
        return factors;
    }

    /// <summary>
    /// The labeler's confusion matrix read from held-out posteriors: each item it voted on counts with
    /// the posterior its <i>other</i> labelers' votes (or the item's gold label) give, the labeler's own
    /// vote left out, under the model's current parameters; items it alone voted on count nothing. The
    /// prior is the same as in <see cref="Confusion"/>.
    /// </summary>
    /// <remarks>
    /// <see cref="Confusion"/> accumulates the posterior the labeler's own vote helped form, so on items
    /// with two or three votes a labeler who is wrong pulls the posterior its way and partly confirms
    /// itself. Leaving the vote out removes that echo; it is what a decision about the labeler itself
    /// (whether to ask it again) should read. Costs O(v·m·K) for a labeler with v votes on items with m
    /// votes each, computed on demand (no state; the half-life decay is not applied).
    /// </remarks>
    public ConfusionMatrix HeldOutConfusion(string labeler, string? capability = null)
    {
        var (model, stats) = LabelerIn(labeler, capability);
        var k = _k;
        var counts = new double[k * k];
        var rows = new double[k];
        Span<double> post = stackalloc double[k];
        foreach (var i in stats.Items)
        {
            ref readonly var slot = ref _items[i];
            var votes = _votes.Of(slot);
            var answer = -1;
            var others = 0;
            foreach (ref readonly var v in votes)
            {
                if (ReferenceEquals(v.Labeler, stats)) answer = v.Label;
                else others++;
            }
            if (answer < 0) continue;
            if (slot.Gold >= 0)
            {
                post.Clear();
                post[slot.Gold] = 1.0;
            }
            else if (others == 0) continue;
            else ComputePosterior(votes, model, post, stats);
            for (var t = 0; t < k; t++)
            {
                counts[(t * k) + answer] += post[t];
                rows[t] += post[t];
            }
        }

        return Smoothed(model, stats, counts, rows);
    }

    /// <summary>A labeler of a capability; one without statistics reads as a fresh labeler (prior only).</summary>
    private (CapabilityModel Model, LabelerStatistics Stats) LabelerIn(string labeler, string? capability)
    {
        var model = _capabilities[GetOrAddCapability(capability ?? string.Empty)];
        return (model, model.Labelers.GetValueOrDefault(labeler)
            ?? new LabelerStatistics(labeler, model.Name, _k) { Selective = SelectiveLabelers.Includes(labeler, _options.SelectivePrefixes) });
    }

    /// <summary>θ[t, l] = (C[t, l] + s·P_w[t, l]) / (Σ_l C[t, l] + s) from counts C and the labeler's community prior P_w.</summary>
    private ConfusionMatrix Smoothed(CapabilityModel model, LabelerStatistics stats, ReadOnlySpan<double> counts, ReadOnlySpan<double> rows)
    {
        var k = _k;
        var values = new double[k * k];
        var s = _options.PriorStrength;
        Span<double> prior = stackalloc double[k];
        for (var l = 0; l < k; l++)
        {
            model.Shared.PriorColumn(stats, l, prior);
            for (var t = 0; t < k; t++) values[(t * k) + l] = (counts[(t * k) + l] + (s * prior[t])) / (rows[t] + s);
        }
        return new ConfusionMatrix(values, k);
    }

    /// <summary>The estimated class distribution for a capability.</summary>
    public double[] ClassPriors(string? capability = null)
    {
        var counts = _capabilities[GetOrAddCapability(capability ?? string.Empty)].Shared.ClassCounts;
        var prior = new double[_k];
        for (var t = 0; t < prior.Length; t++) prior[t] = counts[t] + _options.ClassPseudoCount;
        Probability.Normalize(prior);
        return prior;
    }

    /// <summary>
    /// The items the class distribution of a capability is learned from (those a labeler that is not selective answered,
    /// or gold), in expected items: the sum of the class counts. A selective labeler's firing rates are learned from them.
    /// </summary>
    public double CheckedItems(string? capability = null) =>
        _capabilityIndex.TryGetValue(capability ?? string.Empty, out var c) ? _capabilities[c].Shared.ClassCounts.Sum() : 0.0;

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
    public OnlineDawidSkeneState ToState()
    {
        var k = _k;
        var items = new ItemEvidenceState[_itemCount];
        var sums = new double[_capabilities.Count * k];
        for (var i = 0; i < _itemCount; i++)
        {
            items[i] = StateOf(i);
            ref var slot = ref _items[i];
            if (slot.InClassPrior && slot.HasPosterior)
            {
                for (var t = 0; t < k; t++) sums[(slot.Capability * k) + t] += _posteriors[(i * k) + t];
            }
        }
        // The class counts that are more (or less) than their items' posteriors: a re-fit's correction, kept so a model
        // restored from this state reads with the same class prior.
        var offsets = new List<ClassCountsState>();
        for (var c = 0; c < _capabilities.Count; c++)
        {
            var counts = _capabilities[c].Shared.ClassCounts;
            var offset = new double[k];
            for (var t = 0; t < k; t++) offset[t] = counts[t] - sums[(c * k) + t];
            if (offset.Any(o => Math.Abs(o) > 1e-9)) offsets.Add(new ClassCountsState(_capabilities[c].Name, offset));
        }
        return new(_labels.ToArray(), Labelers.Select(s => s.ToState()).ToArray(), items, offsets.Count > 0 ? [.. offsets] : null);
    }

    private ItemEvidenceState StateOf(int i)
    {
        ref var slot = ref _items[i];
        var votes = _votes.Of(slot);
        var saved = new VoteEvidenceState[votes.Length];
        for (var n = 0; n < votes.Length; n++) saved[n] = new VoteEvidenceState(votes[n].Labeler.Labeler, votes[n].Label, votes[n].At);
        return new ItemEvidenceState(
            _itemIds[i], _capabilities[slot.Capability].Name, slot.Gold >= 0 ? slot.Gold : null, saved,
            slot.HasPosterior ? _posteriors.AsSpan(i * _k, _k).ToArray() : null);
    }

    /// <summary>Restores a model from <see cref="ToState"/>.</summary>
    /// <exception cref="ArgumentException">The state is inconsistent (unknown labeler, bad label index, wrong sizes).</exception>
    public static OnlineDawidSkene FromState(OnlineDawidSkeneState state, OnlineDawidSkeneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var model = new OnlineDawidSkene(state.Labels, options);
        var k = state.Labels.Length;
        foreach (var ls in state.Labelers)
        {
            var capability = model._capabilities[model.GetOrAddCapability(ls.Capability)];
            if (capability.Labelers.ContainsKey(ls.Labeler))
                throw new ArgumentException($"Labeler '{ls.Labeler}' appears twice for capability '{ls.Capability}'.", nameof(state));
            var restored = LabelerStatistics.FromState(ls, k);
            restored.Selective = SelectiveLabelers.Includes(ls.Labeler, model._options.SelectivePrefixes);
            // A state saved before the labeler was selective may hold a membership; it no longer counts.
            if (restored.Selective) restored.HasMembership = false;
            capability.Add(restored);
        }
        foreach (var s in state.Items)
        {
            var i = model.GetOrAddItem(s.Item, s.Capability);
            var capability = model._capabilities[model._items[i].Capability];
            model._items[i].Gold = s.Gold ?? -1;
            foreach (var v in s.Votes)
            {
                if (v.Label < 0 || v.Label >= k) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Item '{s.Item}' has a vote with label index {v.Label}; there are {k} labels."), nameof(state));
                if (!capability.Labelers.TryGetValue(v.Labeler, out var stats))
                    throw new ArgumentException($"Item '{s.Item}' has a vote by '{v.Labeler}', who has no statistics in the state.", nameof(state));
                model._votes.Append(ref model._items[i], new VoteSlot(stats, v.Label, v.At));
                stats.Items.Add(i);
                model.VoteCount++;
            }
            ref var slot = ref model._items[i];
            slot.Contributed = slot.VoteCount >= 2 || slot.Gold >= 0;
            if (s.Posterior is not null)
            {
                if (s.Posterior.Length != k) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Item '{s.Item}' has {s.Posterior.Length} posterior values; expected {k}."), nameof(state));
                s.Posterior.CopyTo(model._posteriors.AsSpan(i * k, k));
                slot.HasPosterior = true;
                slot.InClassPrior = model.CountsInClassPrior(ref slot);
                if (slot.InClassPrior) for (var t = 0; t < k; t++) capability.Shared.ClassCounts[t] += s.Posterior[t];
            }
        }
        foreach (var offset in state.ClassCounts ?? [])
        {
            if (offset.Offset.Length != k) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The class counts of capability '{offset.Capability}' have {offset.Offset.Length} values; expected {k}."), nameof(state));
            var counts = model._capabilities[model.GetOrAddCapability(offset.Capability)].Shared.ClassCounts;
            for (var t = 0; t < k; t++) counts[t] = Math.Max(0, counts[t] + offset.Offset[t]);
        }
        foreach (var capability in model._capabilities)
            capability.Shared.Restore(capability.Labelers.Values);
        return model;
    }

    // newVote: the item's last vote was just added and has contributed nothing yet; false when only the gold label changed,
    // where every vote, the last included, contributed the old posterior.
    private void Update(int i, DateTimeOffset? at, bool newVote)
    {
        var k = _k;
        ref var slot = ref _items[i];
        var shared = _capabilities[slot.Capability].Shared;
        var old = _scratchOld.AsSpan();
        var post = _posteriors.AsSpan(i * k, k);
        if (!slot.HasPosterior)
        {
            old.Clear();
            slot.HasPosterior = true;
        }
        else post.CopyTo(old);

        var votes = _votes.Of(slot);
        var halfLife = _options.HalfLife;
        if (halfLife is not null && at is { } now)
        {
            foreach (ref var v in votes) shared.DecayTo(v.Labeler, now, halfLife);
        }

        if (slot.Gold >= 0)
        {
            post.Clear();
            post[slot.Gold] = 1.0;
        }
        else ComputePosterior(votes, _capabilities[slot.Capability], post);

        var last = votes.Length - 1;
        // One vote alone says nothing about its labeler's reliability (the posterior would only
        // echo it), so an item starts teaching its labelers once a second vote or gold arrives.
        var contributes = votes.Length >= 2 || slot.Gold >= 0;
        var contributed = slot.Contributed;
        slot.Contributed = contributes;
        // A selective labeler learns only from checked items (SelectiveLabelers): those in the class prior.
        var wasInPrior = slot.InClassPrior;
        var inPrior = CountsInClassPrior(ref slot);
        slot.InClassPrior = inPrior;
        Span<double> zero = stackalloc double[k];
        for (var n = 0; n <= last; n++)
        {
            ref var v = ref votes[n];
            var selective = v.Labeler.Selective;
            var held = contributed && (!selective || wasInPrior);
            ReadOnlySpan<double> target = contributes && (!selective || inPrior) ? post : zero;
            // The newest vote has contributed nothing yet; the others contributed the old posterior,
            // decayed since they last wrote it. With a half-life the labeler's counts stand at its own time, never earlier
            // than this step's (a step stamped before a later one, another instance's clock): what is taken out and the
            // time written are both at that time, so the share taken out is the share held.
            // (The decay above stamped each voter's counts with the later of its time and this step's.)
            var stamp = halfLife is not null && at is not null ? v.Labeler.UpdatedAt ?? at : at;
            var scale = (newVote && n == last) || !held ? 0.0
                : halfLife is { } h && stamp is { } t1 && v.At is { } t0 ? LabelerStatistics.DecayFactor(t1 - t0, h) : 1.0;
            shared.AddDelta(v.Labeler, v.Label, old, scale, target);
            v.Labeler.Replace(v.Label, old, scale, target);
            if (stamp is not null) v.At = stamp;
        }
        var classCounts = shared.ClassCounts;
        for (var t = 0; t < k; t++)
            classCounts[t] = Math.Max(0, classCounts[t] + (inPrior ? post[t] : 0.0) - (wasInPrior ? old[t] : 0.0));
    }

    /// <summary>
    /// Whether the item's posterior counts in the class distribution: once it has a vote from a
    /// labeler that is not selective, or is gold (see <see cref="OnlineDawidSkeneOptions.SelectivePrefixes"/>).
    /// </summary>
    private bool CountsInClassPrior(ref ItemSlot slot)
    {
        if (slot.Gold >= 0 || slot.InClassPrior) return true;
        foreach (ref readonly var v in _votes.Of(slot))
        {
            if (!v.Labeler.Selective) return true;
        }
        return false;
    }

    private void ComputePosterior(ReadOnlySpan<VoteSlot> votes, CapabilityModel model, Span<double> post, LabelerStatistics? leaveOut = null)
    {
        var k = _k;
        var s = _options.PriorStrength;
        var shared = model.Shared;
        var classCounts = shared.ClassCounts;
        for (var t = 0; t < k; t++) post[t] = classCounts[t] + _options.ClassPseudoCount;
        Span<double> prior = stackalloc double[k];
        foreach (ref readonly var v in votes)
        {
            var stats = v.Labeler;
            if (ReferenceEquals(stats, leaveOut)) continue;
            if (stats.Selective)
            {
                FiringColumn(shared, stats, v.Label, prior);
                Multiply(post, prior);
                continue;
            }
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
        // Every selective labeler of the capability ran on the item; those that did not vote were silent.
        foreach (var rule in model.Selective)
        {
            if (ReferenceEquals(rule, leaveOut) || VotedOn(votes, rule)) continue;
            SilenceColumn(shared, rule, prior);
            Multiply(post, prior);
        }
        Probability.Normalize(post);

        static void Multiply(Span<double> post, ReadOnlySpan<double> factor)
        {
            var max = 0.0;
            for (var t = 0; t < post.Length; t++)
            {
                var p = post[t] * factor[t];
                post[t] = p;
                if (p > max) max = p;
            }
            if (max < 1e-150)
            {
                var inv = 1.0 / max;
                for (var t = 0; t < post.Length; t++) post[t] *= inv;
            }
        }
    }

    private static bool VotedOn(ReadOnlySpan<VoteSlot> votes, LabelerStatistics labeler)
    {
        foreach (ref readonly var v in votes)
        {
            if (ReferenceEquals(v.Labeler, labeler)) return true;
        }
        return false;
    }

    /// <summary>
    /// A selective labeler's firing rates for one label, P(votes l | t) (<see cref="SelectiveLabelers.FiringRate"/>): its
    /// counts on checked items over the checked items' class counts (the class prior's), drawn towards its pooled rate
    /// spread as the column P_w[·, l] a labeler with no record is read by.
    /// </summary>
    private void FiringColumn(OnlineCommunities shared, LabelerStatistics stats, int label, Span<double> column)
    {
        var s = _options.PriorStrength;
        var classCounts = shared.ClassCounts;
        var rate = SelectiveLabelers.PooledRate(classCounts, stats.RowSums);
        shared.PriorColumn(stats, label, column);
        for (var t = 0; t < column.Length; t++)
            column[t] = SelectiveLabelers.FiringRate(stats.Count(t, label), stats.RowSum(t), classCounts[t], s, rate, column[t]);
    }

    /// <summary>A selective labeler's silence, P(no vote | t) (<see cref="SelectiveLabelers.Silence"/>).</summary>
    private void SilenceColumn(OnlineCommunities shared, LabelerStatistics stats, Span<double> column)
    {
        var s = _options.PriorStrength;
        var classCounts = shared.ClassCounts;
        var rate = SelectiveLabelers.PooledRate(classCounts, stats.RowSums);
        for (var t = 0; t < column.Length; t++)
            column[t] = SelectiveLabelers.Silence(stats.RowSum(t), classCounts[t], s, rate);
    }

    private int GetOrAddItem(string item, string capability)
    {
        if (_itemIndex.TryGetValue(item, out var i))
        {
            var name = _capabilities[_items[i].Capability].Name;
            if (!string.Equals(name, capability, StringComparison.Ordinal))
                throw new ArgumentException($"Item '{item}' has capability '{name}'; a vote for capability '{capability}' cannot be added to it.", nameof(capability));
            return i;
        }
        var c = GetOrAddCapability(capability);
        i = _itemCount;
        if (i == _items.Length)
        {
            var size = _items.Length * 2;
            Array.Resize(ref _items, size);
            Array.Resize(ref _itemIds, size);
            Array.Resize(ref _posteriors, size * _k);
        }
        _items[i] = new ItemSlot { Capability = c, Gold = -1, Page = -1 };
        _itemIds[i] = item;
        _itemIndex.Add(item, i);
        _itemCount++;
        return i;
    }

    private int GetOrAddCapability(string capability)
    {
        if (!_capabilityIndex.TryGetValue(capability, out var c))
        {
            c = _capabilities.Count;
            _capabilities.Add(new CapabilityModel(capability, new OnlineCommunities(_k, _options.Communities, _options.PriorStrength)));
            _capabilityIndex[capability] = c;
        }
        return c;
    }

    private sealed class CapabilityModel(string name, OnlineCommunities shared)
    {
        public string Name { get; } = name;
        public OnlineCommunities Shared { get; } = shared;
        public Dictionary<string, LabelerStatistics> Labelers { get; } = new(StringComparer.Ordinal);

        /// <summary>The selective labelers, in the order they were first seen.</summary>
        public List<LabelerStatistics> Selective { get; } = [];

        public void Add(LabelerStatistics labeler)
        {
            Labelers.Add(labeler.Labeler, labeler);
            if (labeler.Selective) Selective.Add(labeler);
        }

        public LabelerStatistics GetOrAddLabeler(string labeler, int classCount, int communities, IReadOnlyList<string> selectivePrefixes)
        {
            if (!Labelers.TryGetValue(labeler, out var stats))
            {
                stats = new LabelerStatistics(labeler, Name, classCount) { Selective = SelectiveLabelers.Includes(labeler, selectivePrefixes) };
                stats.ReserveModel(communities);
                Add(stats);
            }
            return stats;
        }
    }

    /// <summary>An item's place in the model: its capability, gold label and where its votes are.</summary>
    private struct ItemSlot
    {
        public int Capability;
        public int Gold; // −1: not gold
        public int Page; // −1: no votes yet
        public int Offset;
        public int VoteCount;
        public int VoteCapacity;
        public bool HasPosterior;
        public bool Contributed;
        public bool InClassPrior;
    }

    /// <summary>One vote as the model keeps it; the time is split so the struct stays small.</summary>
    private struct VoteSlot(LabelerStatistics labeler, int label, DateTimeOffset? at)
    {
        public readonly LabelerStatistics Labeler = labeler;
        public readonly int Label = label;
        private short _offsetMinutes = at is { } a ? (short)a.Offset.TotalMinutes : (short)0;
        private long _ticks = at is { } b ? b.UtcTicks : NoTime;

        private const long NoTime = -1;

        public DateTimeOffset? At
        {
            readonly get => _ticks == NoTime ? null : new DateTimeOffset(_ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(_offsetMinutes));
            set
            {
                _ticks = value is { } v ? v.UtcTicks : NoTime;
                _offsetMinutes = value is { } w ? (short)w.Offset.TotalMinutes : (short)0;
            }
        }
    }

    /// <summary>
    /// Every item's votes, in pages of slots: an item owns a run of slots in one page and moves to
    /// a run twice as long when it fills its own (or grows in place when its run is the page's
    /// last). Items therefore cost no objects, and the pages live long enough to stay in the
    /// oldest generation.
    /// </summary>
    private sealed class VotePages
    {
        private const int PageSize = 2048;
        private readonly List<VoteSlot[]> _pages = [];
        private int _used = PageSize; // slots taken in the last page; full before the first page

        public Span<VoteSlot> Of(in ItemSlot item) =>
            item.Page < 0 ? default : _pages[item.Page].AsSpan(item.Offset, item.VoteCount);

        public void Append(ref ItemSlot item, VoteSlot vote)
        {
            if (item.VoteCount == item.VoteCapacity) Grow(ref item);
            _pages[item.Page][item.Offset + item.VoteCount] = vote;
            item.VoteCount++;
        }

        /// <summary>Keeps the item's first <paramref name="count"/> votes and clears the slots after them.</summary>
        public void Truncate(ref ItemSlot item, int count)
        {
            if (count >= item.VoteCount) return;
            _pages[item.Page].AsSpan(item.Offset + count, item.VoteCount - count).Clear();
            item.VoteCount = count;
        }

        private void Grow(ref ItemSlot item)
        {
            var capacity = Math.Max(FirstVoteCapacity, item.VoteCapacity * 2);
            var last = _pages.Count - 1;
            // The item's run ends where the last page's free space begins: extend it there.
            if (item.Page == last && item.Offset + item.VoteCapacity == _used && item.Offset + capacity <= _pages[last].Length)
            {
                _used = item.Offset + capacity;
                item.VoteCapacity = capacity;
                return;
            }
            if (capacity > PageSize)
            {
                // A run longer than a page gets a page of its own, which is then the last page
                // and full, so the next short run starts a new shared page.
                _pages.Add(new VoteSlot[capacity]);
                _used = capacity;
            }
            else if (_used + capacity > PageSize)
            {
                _pages.Add(new VoteSlot[PageSize]);
                _used = capacity;
            }
            else _used += capacity;
            var page = _pages[^1];
            var offset = _used - capacity;
            if (item.VoteCount > 0) _pages[item.Page].AsSpan(item.Offset, item.VoteCount).CopyTo(page.AsSpan(offset));
            if (item.Page >= 0) _pages[item.Page].AsSpan(item.Offset, item.VoteCapacity).Clear();
            item.Page = _pages.Count - 1;
            item.Offset = offset;
            item.VoteCapacity = capacity;
        }
    }
}
