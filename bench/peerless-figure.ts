import type { Figure } from './context.js';

/** An absolute goal such as `>= 58 fps`: the comparison and the bound. */
export interface AbsoluteGoal {
  compare: '<' | '<=' | '>=';
  bound: number;
}

function meets(value: number, { compare, bound }: AbsoluteGoal): boolean {
  return compare === '<' ? value < bound : compare === '<=' ? value <= bound : value >= bound;
}

/** A figure with no honest peer to compare with (the note says why): peer, peerValue and ratio are null. */
export function peerlessFigure(figure: {
  name: string;
  value: number | null;
  unit: string;
  goal: AbsoluteGoal | null;
  note: string;
}): Figure {
  const { goal, value } = figure;
  return {
    name: figure.name,
    value,
    unit: figure.unit,
    peer: null,
    peerValue: null,
    ratio: null,
    goal: goal ? `${goal.compare} ${goal.bound} ${figure.unit}` : null,
    met: goal === null || value === null ? null : meets(value, goal),
    note: figure.note,
  };
}
