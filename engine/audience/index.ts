// Audience journeys: segments as data, schedules, enrolment planning. One line per module.

export * from './enrol.ts';
export * from './map-definition.ts';
export * from './schedule.ts';
export * from './segment.ts';
