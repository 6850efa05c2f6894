"""The report's sections (accuracy, ablations, speed, run information) as
Markdown, from the JSON the benchmark writes."""
from typing import Any, List, Mapping, Sequence

from ..engine.hooks.prior_comparison_hook import CONTROL_SUFFIX
from ..visualization.metric_table import METRIC_KEYS
from .locations import BENCH_DIR
from .paper_numbers import PAPER_COLUMNS, PAPER_NUMBERS
from .plan import DEFAULT_KNOB, PAPER_SCHEDULE
from .specs import DATASETS_SPECS
from .tables import STD, md_table, metric_cells


def accuracy_rows(results: Mapping[str, Any], priors: Mapping[str, Any], dataset: str,
                  split: str, knobs: Sequence[float], labels: Sequence[str]) -> List[list]:
    """Rows of one split: each model row at each knob (and its other-video-query
    control), then the priors (no video: the same at every knob), then the
    paper's DSCNet."""
    rows = []
    for knob in knobs:
        for label in labels:
            entry = results.get(f'{dataset}|{knob:g}|{label}', {})
            table = entry.get('tables', {}).get(split, {})
            name = entry.get('name', label)
            rows.append([label, f'{knob:g}', *metric_cells(table.get(name))])
            control = table.get(name + CONTROL_SUFFIX)
            if control:
                rows.append([label + CONTROL_SUFFIX, f'{knob:g}', *metric_cells(control)])
    measured = priors.get(dataset, {}).get(split, {}).get('priors', {})
    for prior in measured:  # in the order of the model-spec list
        rows.append([prior, 'any', *metric_cells(measured.get(prior))])
    paper = PAPER_NUMBERS.get(f'table1/{dataset}')
    rows.append(['DSCNet, paper Table 1 (real C3D)', '–', *metric_cells(paper)])
    return rows


def curve_note(results: Mapping[str, Any], dataset: str, split: str, knobs: Sequence[float],
               labels: Sequence[str]) -> str:
    """The curve correlation of each control row of a split (one line)."""
    cells = []
    for knob in knobs:
        for label in labels:
            entry = results.get(f'{dataset}|{knob:g}|{label}', {})
            name = entry.get('name', label)
            control = entry.get('tables', {}).get(split, {}).get(name + CONTROL_SUFFIX) or {}
            if isinstance(control.get('curve_corr'), float):
                value = f'{control["curve_corr"]:.3f}' + (
                    f' ± {control["curve_corr" + STD]:.3f}' if 'curve_corr' + STD in control
                    else '')
                cells.append(f'{label}, knob {knob:g}: {value}')
    return ('Frame-score curves with the true vs the other-video query, mean Pearson '
            'correlation over the queries (1.000: the query is ignored): '
            + '; '.join(cells) + '.') if cells else ''


def render_accuracy(data: Mapping[str, Any]) -> str:
    """The accuracy section from its JSON part."""
    seeds = data.get('seeds', [0])
    parts = [f'Each model row: mean ± sample std over seeds {", ".join(map(str, seeds))} '
             '(`randomness=dict(seed=s, deterministic=True)`).\n'] if len(seeds) > 1 else []
    for dataset, splits in data['splits'].items():
        spec = DATASETS_SPECS[dataset]
        for split in splits:
            queries = data['priors'].get(dataset, {}).get(split, {}).get('queries', '?')
            parts.append(f'**{spec.title}, {split}**, {queries} queries '
                         f'({data["scales"][dataset]}):\n')
            parts.append(md_table(['method', 'knob', *METRIC_KEYS], accuracy_rows(
                data['results'], data['priors'], dataset, split, data['knobs'],
                data['labels'][dataset])))
            corr = curve_note(data['results'], dataset, split, data['knobs'],
                              data['labels'][dataset])
            if corr:
                parts.append('\n' + corr)
            if dataset in data.get('paper_scales', {}):
                parts.append(f'\n"{PAPER_SCHEDULE.strip(" ()")}" rows: '
                             f'{data["paper_scales"][dataset]}.')
            parts.append('')
    frames = data.get('frame_models', [])
    if frames:
        parts.append('Not on simulated features (they read video frames; see '
                     '`tools/analysis/vlm_accuracy.py`): '
                     + ', '.join(f'{name} (`{configs}`)' for name, configs in frames) + '.')
    return '\n'.join(parts)


def ablation_rows(rows: Sequence[Mapping[str, Any]], table: str) -> List[list]:
    """Rows of one ablation group: ours, then the paper's where it has them."""
    out = []
    for row in rows:
        if row['table'] != table:
            continue
        paper = PAPER_NUMBERS.get(row['paper']) if row['paper'] else None
        out.append([row['name'], *metric_cells(row['metrics']),
                    *metric_cells(paper, PAPER_COLUMNS[:2] + PAPER_COLUMNS[3:5])])
    return out


def render_ablations(data: Mapping[str, Any]) -> str:
    """The ablation section from its JSON part."""
    header = ['setting', *METRIC_KEYS, 'paper R1@0.3', 'paper R1@0.5', 'paper R5@0.3',
              'paper R5@0.5']
    parts = [f'Simulated Charades-STA, knob {DEFAULT_KNOB:g}, {data["scale"]}. '
             'Paper numbers: Liu et al. (2022), real C3D features; "–": not in the '
             'paper. Table 2 of the paper adds losses to a baseline; each row here '
             'removes terms from the full model and shows the paper row with the same '
             'set of losses. The iteration rows are read from one run with the largest '
             'L, evaluated after each iteration.'
             + (f' Ours: mean ± sample std over seeds {", ".join(map(str, data["seeds"]))}.'
                if len(data.get('seeds', [])) > 1 else '') + '\n']
    for table in dict.fromkeys(r['table'] for r in data['rows']):
        parts += [f'**{table}**\n', md_table(header, ablation_rows(data['rows'], table)), '']
    return '\n'.join(parts)


def stage_rows(stage: Mapping[str, Any]) -> List[list]:
    """Rows ``dataset, stage, time, peak RSS, peak delta, extrapolated time``."""
    rows = []
    for dataset, result in stage.get('datasets', {}).items():
        extra = result.get('extrapolated_full_scale', {})
        for name, r in result.get('stages', {}).items():
            rows.append([dataset, name, r.get('time_s'), r.get('peak_rss_mb'),
                         r.get('peak_rss_delta_mb'), r.get('cuda_peak_mb'),
                         extra.get(name, {}).get('time_s')])
    return rows


def relabel_rows(record: Mapping[str, Any]) -> List[list]:
    """Key numbers of a ``relabel_speed.py`` JSON, one per row."""
    keys = ('device', 'torch', 'videos', 'dim', 'relabel_one_neck_s', 'relabel_4_necks_s',
            'eigh_s', 'power_s', 'graphs_compared', 'eigh_over_power', 'cut_agreement',
            'eigh_extrapolated_all_graphs_s', 'video_epoch_bs16_s', 'video_epoch_bs64_s',
            'video_epoch_bs256_s')
    return [[k, record[k]] for k in keys if k in record]


def render_error(name: str, result: Mapping[str, Any]) -> str:
    """A note that a speed script gave no numbers."""
    tail = result.get('output_tail')
    return f'_{name}: {result["error"]}_' + (f'\n\n```\n{tail}\n```' if tail else '')


def render_speed(data: Mapping[str, Any]) -> str:
    """The speed section from its JSON part."""
    stage, threads = data['stage'], data.get('threads')
    calls = '; '.join(f'`tools/analysis/stage_speed.py {a}`' for a in stage['args'].values())
    parts = [f'**Per stage** ({calls}' + (f', OMP_NUM_THREADS={threads}' if threads else '')
             + '; random inputs of the real sizes x scale; memory in MB; the last column '
             'scales the measured time linearly to the full dataset):\n']
    parts += [render_error(f'stage_speed {d}', e) + '\n'
              for d, e in stage.get('errors', {}).items()]
    if stage['datasets']:
        parts.append(md_table(['dataset', 'stage', 'time (s)', 'peak RSS', 'peak RSS delta',
                               'CUDA peak', 'time at full scale (s, extrapolated)'],
                              stage_rows(stage)))
    relabel = data['relabel']
    parts += ['', f'**Relabelling vs batched eigh, this machine** '
              f'(`tools/analysis/relabel_speed.py {" ".join(data["relabel_args"])}`):\n']
    parts.append(render_error('relabel_speed', relabel) if 'error' in relabel
                 else md_table(['quantity', 'value'], relabel_rows(relabel)))
    gpu = data['gpu_record']
    parts += ['', '**GPU (recorded earlier on one H100)**' + (
        f' — `{gpu["source"]}`, committed {gpu["date"]}:\n' if 'error' not in gpu else ':\n')]
    parts.append(render_error('GPU record', gpu) if 'error' in gpu
                 else md_table(['quantity', 'value'], relabel_rows(gpu)))
    if not data['cuda']:
        parts += ['', '_This run had no GPU (`torch.cuda.is_available()` is false): every '
                  'number above except the recorded H100 table is from the CPU._']
    return '\n'.join(parts)


def render_run_info(info: Mapping[str, Any]) -> str:
    """Command, machine, date, wall times and the reduced settings."""
    lines = [f'- **{info["mode"]} run**, {info["date"]}: `{info["command"]}`',
             f'- machine: {info["cpu"]}, {info["cores"]} cores; torch {info["torch"]}; '
             f'CUDA: {"yes" if info["cuda"] else "no"}',
             '- wall time: ' + ', '.join(f'{k} {v / 60:.1f} min'
                                         for k, v in info['wall_s'].items())]
    lines += [f'- {note}' for note in info['settings']]
    lines += [f'- **FAILED** (see `{BENCH_DIR}/runs/{key}/`): `{key}`'
              for key in info.get('failed', [])]
    return '\n'.join(lines)
