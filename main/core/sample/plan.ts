import { seededRandom, shuffled } from './random.js';

/**
 * Who wrote, labeled and drew what in the sample world, decided from a seed before any file exists.
 * Everything here is plain data: the builder turns it into rows and files, and tests read it as the
 * facts a correct reader must find again.
 */

/** The numbers the sample world is built to; tests assert them. */
export const WORLD_DESIGN = {
  subjects: 60,
  imagesPerSubject: 5,
  /** Images at 1.0.0: 200 in Training (40 subjects), 100 in Testing (20 subjects), subject-disjoint. */
  images: 300,
  trainingSubjects: 40,
  /** 1.1.0 adds two subjects with five Training images each; the last is a byte-identical copy. */
  addedSubjects: 2,
  addedImages: 10,
  imageSize: 112,
  digit: { annotatorA: 200, annotatorB: 120, disagreements: 18, threeWayTies: 4, modelMistakes: 45 },
  quality: { annotatorA: 100, annotatorB: 40, disagreements: 6 },
  handedness: { annotatorA: 40, annotatorB: 20, disagreements: 3 },
  regions: { annotatorA: 30, annotatorB: 20 },
} as const;

export type Release = '1.0.0' | '1.1.0';
export type Rater = 'A' | 'B' | 'model';

export interface PlannedSubject {
  index: number;
  name: string;
  age: number | null;
  acquisitionDate: string;
  split: 'Training' | 'Testing';
  release: Release;
}

export interface PlannedImage {
  index: number;
  filename: string;
  format: 'png' | 'jpeg';
  subject: number;
  split: 'Training' | 'Testing';
  digit: number;
  /** Which sample of that digit in the mnist package. */
  mnistIndex: number;
  release: Release;
  /** Set for the 1.1.0 image that repeats an earlier image's bytes under a new name. */
  copyOf?: number;
}

export interface DigitLabel {
  digit: number;
  confidence: number | null;
}

export interface PlannedDisagreement {
  image: number;
  A: number;
  B: number;
  model: number;
  /** A, B and the model all differ: majority vote falls back to the newest row (the model's). */
  threeWayTie: boolean;
}

export interface WorldPlan {
  subjects: PlannedSubject[];
  images: PlannedImage[];
  digit: Record<Rater, Map<number, DigitLabel>>;
  disagreements: PlannedDisagreement[];
  quality: Record<'A' | 'B', Map<number, [quality: string, stroke: string]>>;
  handedness: Record<'A' | 'B', Map<number, string>>;
  /** Images each rater drew regions on. */
  regions: Record<'A' | 'B', number[]>;
}

/** Digits a small classifier confuses; a mistake picks the partner of the true digit. */
const CONFUSED_WITH = [6, 7, 7, 5, 9, 3, 0, 1, 3, 4];
const QUALITIES = ['Good', 'Good', 'Good', 'Good', 'Blurry', 'Unusable'];
const STROKES = ['Thin', 'Regular', 'Regular', 'Bold'];
const HANDS = ['Right', 'Right', 'Right', 'Left', 'Mixed'];

/**
 * File names a real bag meets: spaces, a percent sign, quotes, commas and non-ASCII letters. Each
 * `{n}` becomes the image's number; the extension follows the image's format.
 */
const TRICKY_NAMES: Record<number, string> = {
  3: 'digit {n}',
  7: '100% sure {n}',
  11: '"quoted" {n}',
  17: "it's {n}",
  19: 'a,b,c {n}',
  23: 'chiffre_été_{n}',
  27: '数字_{n}',
  31: 'ok 🙂 {n}',
};

export function planWorld(seed: number): WorldPlan {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const design = WORLD_DESIGN;

  const subjects: PlannedSubject[] = [];
  const totalSubjects = design.subjects + design.addedSubjects;
  for (let index = 0; index < totalSubjects; index++) {
    const release: Release = index < design.subjects ? '1.0.0' : '1.1.0';
    subjects.push({
      index,
      name:
        index === 2 ? `O'Neil, "Jo" (writer ${index + 1})` : `Writer ${String(index + 1).padStart(3, '0')}`,
      age: index % 9 === 4 ? null : 18 + Math.floor(random() * 60),
      acquisitionDate: `2025-${String(1 + (index % 12)).padStart(2, '0')}-${String(1 + ((index * 7) % 28)).padStart(2, '0')}`,
      split: release === '1.1.0' || index < design.trainingSubjects ? 'Training' : 'Testing',
      release,
    });
  }

  // Training holds 20 of each digit, Testing 10 of each; digits are dealt to subjects at random.
  const trainingDigits = shuffled(digitsEach(20), random);
  const testingDigits = shuffled(digitsEach(10), random);
  const nextMnist = new Array<number>(10).fill(0);
  const slots: Omit<PlannedImage, 'index' | 'filename' | 'format'>[] = [];
  for (const subject of subjects.slice(0, design.subjects)) {
    for (let k = 0; k < design.imagesPerSubject; k++) {
      const digit = (subject.split === 'Training' ? trainingDigits : testingDigits).pop()!;
      slots.push({
        subject: subject.index,
        split: subject.split,
        digit,
        mnistIndex: nextMnist[digit]!++,
        release: '1.0.0',
      });
    }
  }
  // Ingest order is shuffled, so RIDs do not give the split or the digit away.
  const initial = shuffled(slots, random);
  const added: Omit<PlannedImage, 'index' | 'filename' | 'format'>[] = [];
  for (const subject of subjects.slice(design.subjects)) {
    for (let k = 0; k < design.imagesPerSubject; k++) {
      const digit = Math.floor(random() * 10);
      added.push({
        subject: subject.index,
        split: 'Training',
        digit,
        mnistIndex: nextMnist[digit]!++,
        release: '1.1.0',
      });
    }
  }
  const images: PlannedImage[] = [...initial, ...added].map((slot, index) => {
    const format = index % 6 === 5 ? 'jpeg' : 'png';
    const number = String(index + 1).padStart(4, '0');
    const stem = (TRICKY_NAMES[index] ?? 'digit_{n}').replace('{n}', number);
    return { ...slot, index, format, filename: `${stem}.${format === 'png' ? 'png' : 'jpg'}` };
  });
  // The last added image repeats the bytes of a Training image under its own name, as re-imaged copies do.
  const copy = images[images.length - 1]!;
  const source = images.find((image) => image.split === 'Training' && image.format === copy.format)!;
  Object.assign(copy, { digit: source.digit, mnistIndex: source.mnistIndex, copyOf: source.index });

  const released = images.filter((image) => image.release === '1.0.0');
  const truth = (image: number) => images[image]!.digit;

  // Annotator A gives the true digit on 200 images; B labels 120 of those and differs on 18; the
  // model labels all 300 and is wrong on 45, four of them where A and B already differ (three-way ties).
  const labeledByA = shuffled(released, random)
    .slice(0, design.digit.annotatorA)
    .map((image) => image.index);
  const labeledByB = shuffled(labeledByA, random).slice(0, design.digit.annotatorB);
  const bDiffers = labeledByB.slice(0, design.digit.disagreements);
  const ties = new Set(bDiffers.slice(0, design.digit.threeWayTies));
  const digit: Record<Rater, Map<number, DigitLabel>> = { A: new Map(), B: new Map(), model: new Map() };
  for (const image of labeledByA) digit.A.set(image, { digit: truth(image), confidence: null });
  for (const image of labeledByB) {
    const wrong = bDiffers.includes(image);
    digit.B.set(image, { digit: wrong ? CONFUSED_WITH[truth(image)]! : truth(image), confidence: null });
  }
  const disagreeing = new Set(bDiffers);
  const otherMistakes = shuffled(
    released.filter((image) => !disagreeing.has(image.index)),
    random,
  ).slice(0, design.digit.modelMistakes - ties.size);
  const modelWrong = new Set([...ties, ...otherMistakes.map((image) => image.index)]);
  for (const image of released) {
    const wrong = modelWrong.has(image.index);
    let predicted = truth(image.index);
    if (wrong) {
      const avoid = new Set([truth(image.index), digit.B.get(image.index)?.digit]);
      predicted = [CONFUSED_WITH[truth(image.index)]!, ...Array.from({ length: 10 }, (_, d) => d)].find(
        (candidate) => !avoid.has(candidate),
      )!;
    }
    const confidence = wrong ? 0.35 + 0.35 * random() : 0.8 + 0.199 * random();
    digit.model.set(image.index, { digit: predicted, confidence: Number(confidence.toFixed(4)) });
  }
  const disagreements = bDiffers
    .map((image) => ({
      image,
      A: digit.A.get(image)!.digit,
      B: digit.B.get(image)!.digit,
      model: digit.model.get(image)!.digit,
      threeWayTie: ties.has(image),
    }))
    .sort((a, b) => a.image - b.image);

  // Quality: A on 100 of A's images, B on 40 of those, differing on 6 (in one column or both).
  const quality: WorldPlan['quality'] = { A: new Map(), B: new Map() };
  const qualityImages = shuffled(labeledByA, random).slice(0, design.quality.annotatorA);
  for (const image of qualityImages) quality.A.set(image, [pick(QUALITIES), pick(STROKES)]);
  shuffled(qualityImages, random)
    .slice(0, design.quality.annotatorB)
    .forEach((image, order) => {
      const [q, s] = quality.A.get(image)!;
      const differs = order < design.quality.disagreements;
      quality.B.set(image, [
        differs && order % 2 === 0 ? otherThan(q, ['Good', 'Blurry', 'Unusable']) : q,
        differs && order % 2 === 1 ? otherThan(s, ['Thin', 'Regular', 'Bold']) : s,
      ]);
    });

  // Handedness of writers: A on 40, B on 20 of those, differing on 3.
  const handedness: WorldPlan['handedness'] = { A: new Map(), B: new Map() };
  const handSubjects = shuffled(subjects.slice(0, design.subjects), random)
    .slice(0, design.handedness.annotatorA)
    .map((subject) => subject.index);
  for (const subject of handSubjects) handedness.A.set(subject, pick(HANDS));
  shuffled(handSubjects, random)
    .slice(0, design.handedness.annotatorB)
    .forEach((subject, order) => {
      const hand = handedness.A.get(subject)!;
      handedness.B.set(
        subject,
        order < design.handedness.disagreements ? otherThan(hand, ['Left', 'Right', 'Mixed']) : hand,
      );
    });

  const regionImages = shuffled(labeledByB, random)
    .slice(0, design.regions.annotatorA)
    .sort((a, b) => a - b);
  const regions = {
    A: regionImages,
    B: shuffled(regionImages, random)
      .slice(0, design.regions.annotatorB)
      .sort((a, b) => a - b),
  };

  return { subjects, images, digit, disagreements, quality, handedness, regions };
}

function digitsEach(count: number): number[] {
  return Array.from({ length: 10 * count }, (_, index) => index % 10);
}

function otherThan(value: string, choices: string[]): string {
  return choices[(choices.indexOf(value) + 1) % choices.length]!;
}
